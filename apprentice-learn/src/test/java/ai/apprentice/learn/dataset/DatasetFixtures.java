package ai.apprentice.learn.dataset;

import ai.apprentice.json.Json;
import ai.apprentice.model.Message;
import ai.apprentice.model.ToolCall;
import ai.apprentice.runtime.Event;
import ai.apprentice.runtime.RunStatus;
import ai.apprentice.store.RunStore;
import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs written into a real run store the way the agent loop writes them (run_started with the instructions and the
 * task, one step_completed per step with the assistant message and the tool results, run_finished), then rewarded
 * as an evaluation or rated by a person; and the JSON schemas of the formats.
 */
final class DatasetFixtures {
    /** A value a secret-looking environment variable holds: only the exporter's redactor knows it. */
    static final String DB_PASSWORD = "hunter2-correct-horse-battery";
    /** An OpenAI-style key: the store's own redaction catches it. */
    static final String OPENAI_KEY = "sk-proj-Ab3dEfGhIjKlMnOpQrStUvWxYz_0123456789";

    static final Instant T0 = Instant.parse("2026-11-20T10:00:00Z");

    private DatasetFixtures() {}

    /** A run's conversation being written: the instructions and the task, then steps. */
    static final class RunWriter {
        private final RunStore store;
        private final String id;
        private final Instant at;
        private final List<List<Message>> steps = new ArrayList<>();
        private final List<Message> opening;
        private int callNo;

        RunWriter(RunStore store, String id, Instant at, String instructions, String task) {
            this.store = store;
            this.id = id;
            this.at = at;
            this.opening = List.of(Message.system(instructions), Message.user(task));
        }

        /** A step where the assistant calls a tool and gets its result; {@code callId} as a provider made it up. */
        RunWriter call(String tool, String argumentsJson, String result) {
            String callId = id + "-call-" + (++callNo);
            steps.add(List.of(Message.assistant("", List.of(new ToolCall(callId, tool, argumentsJson))),
                    Message.toolResult(callId, tool, result)));
            return this;
        }

        /** A step where the assistant answers and a (simulated) user replies. */
        RunWriter say(String text, String userReply) {
            steps.add(List.of(Message.assistant(text), Message.user(userReply)));
            return this;
        }

        /** The final answer; the run is written. */
        String answer(String text) {
            steps.add(List.of(Message.assistant(text)));
            return write(text);
        }

        /** No final answer: the environment ended the episode on the last tool call. The run is written. */
        String endedByEnvironment() {
            return write("");
        }

        private String write(String text) {
            store.onEvent(new Event.RunStarted(id, at, opening.get(1).text(), "scripted:test", null, "/tmp", opening));
            for (int i = 0; i < steps.size(); i++) {
                store.onEvent(new Event.StepCompleted(id, at.plusSeconds(i + 1), i + 1, steps.get(i)));
            }
            store.onEvent(new Event.RunFinished(id, at.plusSeconds(steps.size() + 1), RunStatus.SUCCEEDED, "completed", text,
                    steps.size(), 100, 20, 0));
            return id;
        }
    }

    static RunWriter run(RunStore store, String id, Instant at, String instructions, String task) {
        return new RunWriter(store, id, at, instructions, task);
    }

    static void reward(RunStore store, String id, double value, String task) {
        store.append(new Event.Reward(id, T0.plusSeconds(3600), value, "environment", "checked", task));
    }

    static void feedback(RunStore store, String id, String rating, Double score) {
        store.append(new Event.Feedback(id, T0.plusSeconds(3600), rating, score, null, "ada", null, null));
    }

    // ------------------------------------------------------------------ schemas

    static Schema schema(DatasetFormat format) {
        try (InputStream in = DatasetFixtures.class.getResourceAsStream("/dataset-schemas/" + format.wireName() + ".json")) {
            if (in == null) throw new IllegalStateException("no schema for " + format.wireName());
            return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(Json.MAPPER.readTree(in));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The schema's complaints about a line (empty when it is valid). */
    static List<String> problems(DatasetFormat format, JsonNode line) {
        return schema(format).validate(line).stream().map(Object::toString).toList();
    }
}
