package ai.apprentice.skills;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.json.Json;
import ai.apprentice.model.scripted.ScriptedModel;
import ai.apprentice.runtime.Agent;
import ai.apprentice.runtime.Budget;
import ai.apprentice.runtime.Event;
import ai.apprentice.runtime.RunStatus;
import ai.apprentice.tool.Tool;
import ai.apprentice.tool.Tools;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class SpawnAgentToolTest {
    @TempDir Path ws;
    final List<Event> events = new CopyOnWriteArrayList<>();
    final Map<String, List<JsonNode>> scripts = new ConcurrentHashMap<>();
    final AtomicReference<Tool> spawn = new AtomicReference<>();
    Duration childTimeout = Duration.ofSeconds(30);

    /** A write_file for tests; the real one lives in apprentice-tools. */
    Tool writeFile(CountDownLatch together) {
        return Tools.builder("write_file").description("writes").param("path", "string", "").param("content", "string", "")
                .execute((a, c) -> {
                    if (together != null) {
                        together.countDown();
                        together.await(10, TimeUnit.SECONDS);
                    }
                    Files.writeString(ws.resolve(a.get("path").asText()), a.get("content").asText());
                    return "written";
                });
    }

    SpawnAgentTool.Factory factory(CountDownLatch together) {
        return (model, instructions, maxSteps, allowed, parent) -> Agent.builder()
                .model(new ScriptedModel(model, scripts.get(model)))
                .instructions(instructions).budget(Budget.DEFAULT.withMaxSteps(maxSteps).withTimeout(childTimeout))
                .tool(writeFile(together)).tool(spawn.get()).listener(events::add).workspace(ws).build();
    }

    static JsonNode write(String path, String content) {
        var t = Json.object();
        t.putArray("tool_calls").addObject().put("name", "write_file")
                .set("arguments", Json.object().put("path", path).put("content", content));
        return t;
    }

    static ObjectNode spawnCall(String output, String model, String... inputs) {
        var args = Json.object().put("instructions", "write " + output).put("output_path", output).put("model", model);
        var arr = args.putArray("input_paths");
        for (var i : inputs) arr.add(i);
        return Json.object().put("name", "spawn_agent").set("arguments", args);
    }

    static JsonNode calls(ObjectNode... calls) {
        var t = Json.object();
        ArrayNode arr = t.putArray("tool_calls");
        for (var c : calls) arr.add(c);
        return t;
    }

    Agent parent(CountDownLatch together, JsonNode... turns) {
        var tool = new SpawnAgentTool(ws, SkillCatalog.discover(List.of()), factory(together));
        spawn.set(tool.tool());
        return Agent.builder().model(ScriptedModel.of(turns)).tool(spawn.get()).workspace(ws).listener(events::add).build();
    }

    private List<String> results() {
        return events.stream().filter(e -> e instanceof Event.ToolResultEvent r && r.name().equals("spawn_agent"))
                .map(e -> ((Event.ToolResultEvent) e).content()).toList();
    }

    @Test
    void subagentsRunInParallelAndHandBackPathsNotContent() throws Exception {
        Files.writeString(ws.resolve("source.md"), "facts");
        scripts.put("scripted:a", List.of(write("draft-a.md", "DRAFT A BODY"), ScriptedModel.turn("wrote draft-a.md")));
        scripts.put("scripted:b", List.of(write("draft-b.md", "DRAFT B BODY"), ScriptedModel.turn("wrote draft-b.md")));
        var together = new CountDownLatch(2); // both children must be writing at the same time
        var result = parent(together, calls(spawnCall("draft-a.md", "scripted:a", "source.md"), spawnCall("draft-b.md", "scripted:b", "source.md")),
                ScriptedModel.turn("two drafts")).run("write two drafts");
        assertThat(result.status()).isEqualTo(RunStatus.SUCCEEDED);
        assertThat(Files.readString(ws.resolve("draft-a.md"))).isEqualTo("DRAFT A BODY");
        assertThat(results()).hasSize(2).allSatisfy(r -> assertThat(r).startsWith("output: draft-").doesNotContain("BODY"));
        var children = events.stream().filter(e -> e instanceof Event.RunStarted s && s.parentId() != null).toList();
        assertThat(children).hasSize(2).allSatisfy(e -> assertThat(((Event.RunStarted) e).parentId()).isEqualTo(result.runId()));
        // named by the call (step 1, calls 0 and 1 of the reply), so two calls of one reply do not share a child
        assertThat(children).extracting(Event::runId).containsExactlyInAnyOrder(result.runId() + "-1-0", result.runId() + "-1-1");
        assertThat(results()).anySatisfy(r -> assertThat(r).startsWith("output: draft-a.md").contains("by subagent run " + result.runId() + "-1-0"))
                .anySatisfy(r -> assertThat(r).startsWith("output: draft-b.md").contains("by subagent run " + result.runId() + "-1-1"));
        var childTask = ((Event.RunStarted) children.getFirst()).messages().getLast().content();
        assertThat(childTask).contains("Input files: source.md").contains("Output file: draft-");
    }

    @Test
    void finishedStepsAreSkippedEditedOutputsKeptEditedInputsRerun() throws Exception {
        Files.writeString(ws.resolve("analysis.md"), "v1");
        scripts.put("scripted:o", List.of(write("outline.md", "OUTLINE"), ScriptedModel.turn("done")));
        var step = calls(spawnCall("outline.md", "scripted:o", "analysis.md"));
        parent(null, step, ScriptedModel.turn("ok")).run("first");
        assertThat(Files.readString(ws.resolve(".apprentice/workflow-state.json"))).contains("outline.md");

        events.clear();
        parent(null, step, ScriptedModel.turn("ok")).run("again, as after a crash");
        assertThat(results().getFirst()).contains("already done");
        assertThat(events).filteredOn(e -> e instanceof Event.RunStarted s && s.parentId() != null).isEmpty();

        Files.writeString(ws.resolve("outline.md"), "OUTLINE, edited by Ada");
        events.clear();
        parent(null, step, ScriptedModel.turn("ok")).run("after a manual edit of the output");
        assertThat(results().getFirst()).contains("edited by a person");
        assertThat(Files.readString(ws.resolve("outline.md"))).isEqualTo("OUTLINE, edited by Ada");
        assertThat(Files.readString(ws.resolve(".apprentice/workflow-state.json"))).contains("human_edit");

        Files.writeString(ws.resolve("analysis.md"), "v2, edited by Ada");
        events.clear();
        parent(null, step, ScriptedModel.turn("ok")).run("after a manual edit of an input");
        assertThat(results().getFirst()).contains("by subagent run").contains("a person edited analysis.md");
        assertThat(Files.readString(ws.resolve("outline.md"))).isEqualTo("OUTLINE");
    }

    @Test
    void aRerunOfTheCallReturnsTheChildItFinishedWithoutRunningItAgain() throws Exception {
        scripts.put("scripted:once", List.of(write("once.md", "ONCE"), ScriptedModel.turn("wrote once.md")));
        var tool = new SpawnAgentTool(ws, SkillCatalog.discover(List.of()), new SpawnAgentTool.Factory() {
            @Override public Agent create(String model, String instructions, int maxSteps, List<String> allowed, ai.apprentice.tool.ToolContext parent) {
                return factory(null).create(model, instructions, maxSteps, allowed, parent);
            }

            @Override public List<Event> events(String runId) {
                return events.stream().filter(e -> e.runId().equals(runId)).toList(); // the events list is this test's store
            }
        });
        spawn.set(tool.tool());
        var args = spawnCall("once.md", "scripted:once").get("arguments");
        var call = new ai.apprentice.tool.ToolContext("20261204-120000-abcdef", 3, ws).withCall(2);
        var first = tool.tool().execute(args, call);
        assertThat(first.content()).contains("by subagent run 20261204-120000-abcdef-3-2: wrote once.md");
        // the step's record lost, as when the parent died before it was kept: the step is run again, but not the child
        Files.delete(ws.resolve(".apprentice/workflow-state.json"));
        var rebuilt = new ai.apprentice.tool.ToolContext("20261204-120000-abcdef", 3, ws).withCall(2); // the parent's totals rebuilt without the child
        var again = tool.tool().execute(args, rebuilt);
        assertThat(again.content()).isEqualTo(first.content());
        assertThat(call.spending().usage().outputTokens()).as("what the child spent, charged to its parent").isPositive();
        assertThat(rebuilt.spending().usage()).as("charged again to the rebuilt parent, once").isEqualTo(call.spending().usage());
        assertThat(events).filteredOn(e -> e instanceof Event.RunStarted).hasSize(1);
        assertThat(events).filteredOn(e -> e instanceof Event.RunResumed).isEmpty();

        // an input edited by a person after the child finished (and before the rerun): the stored result is not the call's
        Files.writeString(ws.resolve("brief.md"), "first brief");
        scripts.put("scripted:brief", List.of(write("brief-out.md", "ONE"), ScriptedModel.turn("wrote brief-out.md")));
        var briefArgs = spawnCall("brief-out.md", "scripted:brief", "brief.md").get("arguments");
        var briefCall = new ai.apprentice.tool.ToolContext("20261204-120000-abcdef", 4, ws).withCall(0);
        assertThat(tool.tool().execute(briefArgs, briefCall).content()).contains("-4-0: wrote brief-out.md");
        Files.delete(ws.resolve(".apprentice/workflow-state.json"));
        Files.writeString(ws.resolve("brief.md"), "second brief");
        Files.setLastModifiedTime(ws.resolve("brief.md"), java.nio.file.attribute.FileTime.from(java.time.Instant.now().plusSeconds(5)));
        var rerun = tool.tool().execute(briefArgs, briefCall);
        assertThat(rerun.content()).as("a new child, run on the edited input").contains("by subagent run ").doesNotContain("-4-0");
        assertThat(events).filteredOn(e -> e instanceof Event.RunStarted).hasSize(3);

        // the same call asking for other work (a resumed step whose model chose anew) is a new child, under a new id
        scripts.put("scripted:other", List.of(write("other.md", "OTHER"), ScriptedModel.turn("wrote other.md")));
        var other = tool.tool().execute(spawnCall("other.md", "scripted:other").get("arguments"), call);
        assertThat(other.content()).contains("by subagent run ", "wrote other.md").doesNotContain("-3-2");
        assertThat(events).filteredOn(e -> e instanceof Event.RunStarted).hasSize(4);
    }

    @Test
    void recursionIsBoundedAndHungSubagentsTimeOut() throws Exception {
        // A subagent that spawns itself for ever.
        scripts.put("scripted:loop", List.of(calls(spawnCall("x.md", "scripted:loop")), ScriptedModel.turn("gave up")));
        parent(null, calls(spawnCall("x.md", "scripted:loop")), ScriptedModel.turn("end")).run("recurse");
        assertThat(events).filteredOn(e -> e instanceof Event.ToolResultEvent r && r.content().contains("nest at most 3 deep")).isNotEmpty();

        events.clear();
        childTimeout = Duration.ofMillis(300);
        var slow = (ObjectNode) ScriptedModel.turn("late");
        slow.put("delay_ms", 60_000);
        scripts.put("scripted:slow", List.of(slow));
        parent(null, calls(spawnCall("y.md", "scripted:slow")), ScriptedModel.turn("end")).run("wait");
        assertThat(results().getFirst()).contains("failed (timeout)");
    }

    @Test
    void cancellingTheParentCancelsItsSubagents() throws Exception {
        var slow = (ObjectNode) ScriptedModel.turn("late");
        slow.put("delay_ms", 60_000);
        scripts.put("scripted:slow", List.of(slow));
        var handle = parent(null, calls(spawnCall("z.md", "scripted:slow")), ScriptedModel.turn("end")).start("cancel me");
        while (events.stream().noneMatch(e -> e instanceof Event.RunStarted s && s.parentId() != null)) Thread.sleep(10);
        handle.cancel();
        assertThat(handle.await().status()).isEqualTo(RunStatus.CANCELLED);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline && events.stream().noneMatch(e -> e instanceof Event.RunFinished f
                && f.status() == RunStatus.CANCELLED && !f.runId().equals(handle.runId()))) {
            Thread.sleep(10);
        }
        assertThat(events).filteredOn(e -> e instanceof Event.RunFinished f && !f.runId().equals(handle.runId()))
                .singleElement().satisfies(e -> assertThat(((Event.RunFinished) e).status()).isEqualTo(RunStatus.CANCELLED));
    }
}
