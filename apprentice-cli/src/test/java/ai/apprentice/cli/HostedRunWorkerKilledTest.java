package ai.apprentice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.json.Json;
import ai.apprentice.testkit.MockOpenAiServer;
import ai.apprentice.testkit.MockReply;
import ai.apprentice.testkit.PostgresFixture;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 19's promise for hosted runs, with real processes: Temporal's port-bound test server, one
 * {@code serve --engine temporal}, two {@code worker} JVMs, each with a home of its own and all on one PostgreSQL run
 * store (as on separate machines). A run posted to the API writes a file ({@code write_file}, idempotent), then runs
 * a shell command that appends a line to a log and sleeps ({@code run_shell}, at least once), then answers. While the
 * command sleeps, the worker running it is SIGKILLed (with the command: as the death of its machine would) and
 * restarted. The run must succeed; the file is not written again (same inode, same mtime); the command runs once
 * more, and a {@code tool_rerun} event says so; no model reply is asked for twice (the mock model counts requests
 * from every process); and the run's event stream holds every event once, numbered 1..N.
 */
@Timeout(300) // about 40 s on an idle machine: JVM starts, the command's sleep twice, a heartbeat timeout between them
class HostedRunWorkerKilledTest {
    static final String TOKEN = "hosted-run-killed-0123456789";
    /** How long the shell command sleeps after its append: the kill must land inside it, and the rerun sleeps it again. */
    static final int SLEEP_SECONDS = 10;
    static final String COMMAND = "echo ran >> log.txt; sleep " + SLEEP_SECONDS;
    static final String CONTENT = "written once\n";

    @TempDir Path dir;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @Test
    void aWorkerKilledDuringAShellCommandRerunsThatCommandOnlyAndTheRunSucceeds() throws Exception {
        long t0 = System.nanoTime();
        var db = PostgresFixture.newDatabase();
        var ws = Files.createDirectories(dir.resolve("ws"));
        var config = "store: " + db.url() + "\nstore_password_env: TEST_DB_PASSWORD\n";
        var homes = new ArrayList<Path>();
        for (var name : List.of("serve", "worker0", "worker1")) {
            var h = Files.createDirectories(dir.resolve("home-" + name));
            Files.writeString(h.resolve("config.yaml"), config);
            homes.add(h);
        }
        try (var mock = new MockOpenAiServer(); var jvms = new ChildJvms(dir)) {
            // Step 1 writes, step 2 runs the command, step 3 answers. An extra request would get the fallback: counted below.
            mock.enqueue(
                    MockReply.toolCalls(MockReply.call("write_file", Json.object().put("path", "notes.txt").put("content", CONTENT).toString())),
                    MockReply.toolCalls(MockReply.call("run_shell", Json.object().put("command", COMMAND).toString())),
                    MockReply.text("Done."));
            mock.fallback(MockReply.text("a model call too many"));
            var target = jvms.temporalServer();
            var workers = new ChildJvms.Child[2];
            for (int i = 0; i < 2; i++) workers[i] = startWorker(jvms, i, 0, target, homes.get(i + 1), db.password());
            var serve = jvms.start("serve", List.of("ai.apprentice.cli.Main", "serve", "--port", "0", "--root", ws.toString(),
                    "--model", "openai:gpt-test", "--base-url", mock.baseUrl(), "--approve", "all", "--engine", "temporal", "--temporal-target", target),
                    env(homes.get(0), db.password(), Map.of("APPRENTICE_TOKEN", TOKEN)));
            var url = jvms.awaitLine(serve, "apprentice serving ").split(" ")[2];
            for (var w : workers) jvms.awaitLine(w, "apprentice worker on ");
            long tReady = System.nanoTime();

            var id = send(url, "POST", "/api/runs", "{\"task\": \"write notes.txt, then log a line and wait\"}").path("id").asText();
            var notes = ws.resolve("notes.txt");
            var log = ws.resolve("log.txt");

            // The command has started: its tool_call is stored and its line appended, and it sleeps in one worker's process tree.
            var events = awaitEvents(url, id, e -> has(e, "tool_call", "run_shell"), jvms, "the shell command's tool_call");
            awaitTrue(() -> lines(log).size() == 1, "log.txt has the command's first line", jvms, url, id);
            assertThat(events.stream().filter(e -> e.path("type").asText().equals("tool_result")).toList())
                    .as("only write_file has its result when the command runs: %s", events).hasSize(1);
            var written = Files.readAttributes(notes, BasicFileAttributes.class);
            assertThat(Files.readString(notes)).isEqualTo(CONTENT);

            int victim = -1;
            List<ProcessHandle> tree = List.of();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(SLEEP_SECONDS / 2);
            while (victim < 0 && System.nanoTime() < deadline) {
                for (int i = 0; i < 2 && victim < 0; i++) {
                    tree = workers[i].process().descendants().filter(ProcessHandle::isAlive).toList();
                    if (!tree.isEmpty()) victim = i;
                }
                if (victim < 0) Thread.sleep(50);
            }
            assertThat(victim).as("no worker has the shell command among its processes\n%s", jvms.tails()).isNotNegative();
            var commands = tree.stream().map(h -> h.pid() + " " + h.info().commandLine().orElse("?")).toList();
            // SIGKILL, the JVM first: a command killed first would end while its worker lives, which would store its result.
            // Then the command (unsandboxed, it outlives its JVM), as the death of the worker's machine would end it.
            workers[victim].process().destroyForcibly();
            assertThat(workers[victim].process().waitFor(30, TimeUnit.SECONDS)).as("worker %d did not die", victim).isTrue();
            boolean outlived = tree.stream().anyMatch(ProcessHandle::isAlive);
            tree.forEach(ProcessHandle::destroyForcibly);
            long tKilled = System.nanoTime();
            var killed = "killed worker" + victim + ".0 (with " + commands + (outlived ? ", which outlived it" : "") + ") "
                    + (tKilled - tReady) / 1_000_000 + " ms after the run was posted";
            var atKill = events(url, id);
            assertThat(atKill.stream().filter(e -> e.path("type").asText().equals("tool_result")).toList())
                    .as("the command had finished before the kill (raise SLEEP_SECONDS); %s; events: %s", killed, atKill).hasSize(1);
            workers[victim] = startWorker(jvms, victim, 1, target, homes.get(victim + 1), db.password());

            // The run goes on: the command's part is retried by a live worker once the dead one's heartbeat is missed.
            JsonNode run = null;
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
            while (System.nanoTime() < deadline) {
                run = send(url, "GET", "/api/runs/" + id, null);
                if (!List.of("running", "queued").contains(run.path("status").asText())) break;
                Thread.sleep(200);
            }
            long tDone = System.nanoTime();
            var why = killed + "\nrun: " + run + "\nevents: " + types(events(url, id)) + "\nmodel requests: " + mock.requests().size()
                    + "\n" + jvms.tails();
            assertThat(run.path("status").asText()).as("the run after the kill; %s", why).isEqualTo("succeeded");
            assertThat(run.path("answer").asText()).as(why).isEqualTo("Done.");
            assertThat(run.path("steps").asInt()).as(why).isEqualTo(3);

            // The idempotent write was not repeated: the same file, untouched since before the kill.
            var now = Files.readAttributes(notes, BasicFileAttributes.class);
            assertThat(Files.readString(notes)).isEqualTo(CONTENT);
            assertThat(now.fileKey()).as("notes.txt's inode").isNotNull().isEqualTo(written.fileKey());
            assertThat(now.lastModifiedTime()).as("notes.txt's mtime").isEqualTo(written.lastModifiedTime());
            // The at-least-once command ran twice: the killed run's line and the rerun's.
            assertThat(lines(log)).as("log.txt; %s", why).containsExactly("ran", "ran");
            // Each step's model reply was asked for once, in order: request k carries the k-1 replies before it.
            var requests = mock.requests();
            assertThat(requests).as("model requests from all processes; %s", why).hasSize(3);
            for (int k = 0; k < 3; k++) {
                int assistants = 0;
                for (var m : requests.get(k).body().path("messages")) if (m.path("role").asText().equals("assistant")) assistants++;
                assertThat(assistants).as("assistant messages in model request %d", k + 1).isEqualTo(k);
            }

            // The run's stream over the API: every stored event once, numbered 1..N, the rerun recorded where it happened.
            var stream = stream(url, id);
            for (int i = 0; i < stream.size(); i++) {
                assertThat(stream.get(i).path("seq").asLong()).as("event %d of the stream: %s", i + 1, types(stream)).isEqualTo(i + 1);
            }
            // As an uninterrupted run's, plus the rerun: nothing the dead worker had stored was stored again.
            assertThat(stream.stream().map(e -> e.path("type").asText()).toList()).as("events of the run; %s", why).containsExactly(
                    "run_started", "usage", "model_reply", "tool_call", "permission", "tool_result", "step_completed",
                    "usage", "model_reply", "tool_call", "permission", "tool_rerun", "tool_result", "step_completed",
                    "usage", "model_reply", "step_completed", "run_finished");
            for (int step = 1; step <= 3; step++) {
                int s = step;
                assertThat(stream.stream().filter(e -> e.path("type").asText().equals("model_reply") && e.path("data").path("step").asInt() == s))
                        .as("model_reply of step %d", step).hasSize(1);
            }
            var write = single(stream, "tool_result", "write_file");
            assertThat(write.path("data").path("step").asInt()).isEqualTo(1);
            assertThat(write.path("data").path("content").asText()).startsWith("Created");
            var call = single(stream, "tool_call", "run_shell");
            var rerun = single(stream, "tool_rerun", "run_shell");
            var result = single(stream, "tool_result", "run_shell");
            String callId = call.path("data").path("call").path("id").asText();
            assertThat(rerun.path("data").path("step").asInt()).isEqualTo(2);
            assertThat(rerun.path("data").path("call_id").asText()).isEqualTo(callId);
            assertThat(rerun.path("data").path("effect").asText()).isEqualTo("at_least_once");
            assertThat(result.path("data").path("call_id").asText()).isEqualTo(callId);
            assertThat(result.path("data").path("error").asBoolean()).as("the rerun's result: %s", result).isFalse();
            assertThat(call.path("seq").asLong()).isLessThan(rerun.path("seq").asLong());
            assertThat(rerun.path("seq").asLong()).isLessThan(result.path("seq").asLong());
            assertThat(stream.getLast().path("type").asText()).isEqualTo("run_finished");

            System.out.printf("HostedRunWorkerKilledTest: %s; processes up in %d s, the run %d s (kill to end %d s), %d s in all%n", killed,
                    (tReady - t0) / 1_000_000_000, (tDone - tReady) / 1_000_000_000, (tDone - tKilled) / 1_000_000_000, (System.nanoTime() - t0) / 1_000_000_000);
        }
    }

    private static Map<String, String> env(Path home, String password, Map<String, String> more) {
        var env = new HashMap<>(Map.of("APPRENTICE_HOME", home.toString(), "TEST_DB_PASSWORD", password, "OPENAI_API_KEY", "sk-test",
                "APPRENTICE_MEMORY", "off", "APPRENTICE_SANDBOX", "off"));
        env.putAll(more);
        return env;
    }

    private static ChildJvms.Child startWorker(ChildJvms jvms, int i, int generation, String target, Path home, String password) throws Exception {
        // --sticky-seconds 0: the test server never moves a workflow task off a dead worker's sticky queue
        return jvms.start("worker" + i + "." + generation, List.of("ai.apprentice.cli.Main", "worker", "--temporal-target", target,
                "--slots", "2", "--sticky-seconds", "0"), env(home, password, Map.of()));
    }

    private static List<String> lines(Path file) {
        try {
            return Files.exists(file) ? Files.readAllLines(file) : List.of();
        } catch (java.io.IOException e) {
            return List.of("(unreadable: " + e + ")");
        }
    }

    private static boolean has(JsonNode event, String type, String tool) {
        return event.path("type").asText().equals(type) && (event.path("call").path("name").asText().equals(tool) || event.path("name").asText().equals(tool));
    }

    /** The one event of {@code type} for {@code tool} in a stream's events ({@code data} holding the event). */
    private static JsonNode single(List<JsonNode> stream, String type, String tool) {
        var found = stream.stream().filter(e -> e.path("type").asText().equals(type) && has(e.path("data"), type, tool)).toList();
        assertThat(found).as("%s of %s in %s", type, tool, types(stream)).hasSize(1);
        return found.getFirst();
    }

    private static List<String> types(List<JsonNode> events) {
        return events.stream().map(e -> e.path("type").asText() + (e.has("seq") ? "#" + e.path("seq").asLong() : "")).toList();
    }

    private interface Check {
        boolean ok() throws Exception;
    }

    private void awaitTrue(Check check, String what, ChildJvms jvms, String url, String id) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!check.ok()) {
            assertThat(System.nanoTime()).as("not within 120 s: %s; events: %s%n%s", what, types(events(url, id)), jvms.tails()).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    /** The run's stored events (GET /api/runs/ID?events=true) once one matches, within 120 s. */
    private List<JsonNode> awaitEvents(String url, String id, Predicate<JsonNode> wanted, ChildJvms jvms, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (true) {
            var events = events(url, id);
            if (events.stream().anyMatch(wanted)) return events;
            assertThat(System.nanoTime()).as("no %s within 120 s; events: %s%n%s", what, types(events), jvms.tails()).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    private List<JsonNode> events(String url, String id) throws Exception {
        var list = new ArrayList<JsonNode>();
        send(url, "GET", "/api/runs/" + id + "?events=true", null).path("events").forEach(list::add);
        return list;
    }

    /**
     * The run's event stream (GET /api/runs/ID/events) from the start to its end after run_finished: the events with
     * an id (the stored ones) as {@code {"seq": ID, "type": EVENT, "data": {...}}}.
     */
    private List<JsonNode> stream(String url, String id) throws Exception {
        var request = HttpRequest.newBuilder(URI.create(url + "/api/runs/" + id + "/events")).header("Authorization", "Bearer " + TOKEN).GET().build();
        var response = http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).get(60, TimeUnit.SECONDS);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        var out = new ArrayList<JsonNode>();
        for (var block : response.body().split("\n\n")) {
            String seq = null, type = null, data = null;
            for (var line : block.split("\n")) {
                if (line.startsWith("id: ")) seq = line.substring(4).strip();
                else if (line.startsWith("event: ")) type = line.substring(7).strip();
                else if (line.startsWith("data: ")) data = line.substring(6);
            }
            if (seq == null) continue; // live only (deltas), or the stream's own lines
            out.add(Json.object().put("seq", Long.parseLong(seq)).put("type", type).set("data", Json.tree(data)));
        }
        return out;
    }

    private JsonNode send(String url, String method, String path, String body) throws Exception {
        var request = HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + TOKEN)
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)).build();
        var response = http.send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(method + " " + path + ": " + response.body()).isLessThan(300);
        return Json.tree(response.body());
    }
}
