package ai.apprentice.temporal.run;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.harness.Harness;
import ai.apprentice.json.Json;
import ai.apprentice.runtime.Event;
import ai.apprentice.server.AgentService;
import ai.apprentice.server.ApprenticeServer;
import ai.apprentice.server.ServerExtension;
import ai.apprentice.server.ServerOptions;
import com.fasterxml.jackson.databind.JsonNode;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ask mode on the engine: a real server over HTTP with its runs on Temporal (real time, no time skipping), the
 * harness's agents on a worker, one run store. A workflow that waits for a person is listed by {@code GET
 * /api/approvals}, told on the run's stream and to the server's approval listeners (what chat channels use), and
 * answered by {@code POST /api/approvals/{id}}; the server's approval timeout denies. With a second server on the same
 * engine and run store, that server lists and streams the approvals of runs the first accepted, and answers them.
 */
@Timeout(180)
class TemporalApprovalsTest {
    static final String TOKEN = ApiCalls.TOKEN;
    @TempDir Path home;
    @TempDir Path root;
    private TestWorkflowEnvironment env;
    private Harness harness;
    private ApprenticeServer server;
    private final ApiCalls api = new ApiCalls(() -> server);
    private final List<String> told = new CopyOnWriteArrayList<>();
    /** A second server on the same engine and run store (its own process's store on the same database), or null. */
    private Harness otherHarness;
    private ApprenticeServer other;
    private final ApiCalls otherApi = new ApiCalls(() -> other);
    private final List<String> otherTold = new CopyOnWriteArrayList<>();
    /**
     * Where a stream's lines are read, blocking: not in the thread that completes the response (thenAccept), which can be
     * the HttpClient's selector thread: blocked there, it stopped every other call of the client, timeouts included
     * (CI saw GET /api/approvals held until the test's timeout, twice).
     */
    private static final java.util.concurrent.Executor READERS = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();
    /** The servers' stream heartbeat, at which a stream also looks in the store. */
    private Duration heartbeat = Duration.ofSeconds(2);

    private ServerOptions options(Duration approvalTimeout) {
        var options = ServerOptions.defaults(0, root)
                .withDefaults(Map.of("model", "scripted:" + root.resolve("script.jsonl"), "memory", "off", "approve", "ask"))
                .withToken(TOKEN);
        return options.withLimits(options.maxConcurrentRuns(), approvalTimeout, heartbeat);
    }

    /** What a chat channel sees: the approvals a server tells its listeners of. */
    private static ServerExtension listening(List<String> told) {
        return new ServerExtension() {
            @Override
            public void routes(io.javalin.config.RoutesConfig routes, AgentService agents) {
                agents.onApproval(new AgentService.ApprovalListener() {
                    @Override
                    public void requested(AgentService.Approval a) {
                        told.add("requested " + a.id() + " " + a.tool());
                    }

                    @Override
                    public void answered(AgentService.Answer a) {
                        told.add("answered " + a.id() + " " + a.allow() + " " + a.scope() + " by " + a.by() + ": " + a.reason());
                    }
                });
            }
        };
    }

    /** Server B: started before server A accepts anything, so its restart pick-up cannot make A's runs its own. */
    private void startOther(Duration approvalTimeout) {
        otherHarness = Harness.builder().home(home).env(Map.of("APPRENTICE_SANDBOX", "off")).err(new PrintStream(new ByteArrayOutputStream(), true)).build();
        other = ApprenticeServer.start(otherHarness, options(approvalTimeout), new PrintStream(new ByteArrayOutputStream(), true),
                List.of(listening(otherTold)), TemporalExecutor.factory(env.getWorkflowClient(), RunWorkers.TASK_QUEUE, otherHarness.store()));
    }

    private void start(String script, Duration approvalTimeout) throws Exception {
        Files.writeString(root.resolve("script.jsonl"), script);
        // real time: the approval's timer must not be skipped while the test answers it
        env = TestWorkflowEnvironment.newInstance(TestEnvironmentOptions.newBuilder().setUseTimeskipping(false).build());
        harness = Harness.builder().home(home).env(Map.of("APPRENTICE_SANDBOX", "off")).err(new PrintStream(new ByteArrayOutputStream(), true)).build();
        RunWorkers.register(env.newWorker(RunWorkers.TASK_QUEUE), harness);
        env.start();
        server = ApprenticeServer.start(harness, options(approvalTimeout), new PrintStream(new ByteArrayOutputStream(), true), List.of(listening(told)),
                TemporalExecutor.factory(env.getWorkflowClient(), RunWorkers.TASK_QUEUE, harness.store()));
    }

    @AfterEach
    void stop() {
        if (other != null) other.close();
        if (otherHarness != null) otherHarness.close();
        if (server != null) server.close();
        if (env != null) env.close();
        if (harness != null) harness.close();
    }

    /** The approval the run waits for, as GET /api/approvals lists it. */
    private JsonNode awaitApproval(String runId) throws Exception {
        return awaitApproval(api, runId);
    }

    private JsonNode awaitApproval(ApiCalls on, String runId) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline) {
            for (var a : on.send("GET", "/api/approvals", null).path("approvals")) if (a.path("run_id").asText().equals(runId)) return a;
            Thread.sleep(25);
        }
        throw new AssertionError("run " + runId + " listed no approval in 90 s; the store's waiting calls: "
                + harness.store().approvalsWaiting(Instant.EPOCH) + "; its events: " + harness.store().events(runId));
    }

    private List<JsonNode> listed() throws Exception {
        return listed(api);
    }

    private static List<JsonNode> listed(ApiCalls on) throws Exception {
        var out = new java.util.ArrayList<JsonNode>();
        on.send("GET", "/api/approvals", null).path("approvals").forEach(out::add);
        return out;
    }

    /** Waits until the server lists no approval (a server learns of an answer given elsewhere at its next poll). */
    private static void awaitNoneListed(ApiCalls on) throws Exception {
        for (int i = 0; i < 400 && !listed(on).isEmpty(); i++) Thread.sleep(25);
        assertThat(listed(on)).isEmpty();
    }

    /** The run's stream on a server, read as it comes, once the run is in the store (before, a stream ends at once). */
    private java.util.concurrent.CompletableFuture<Void> stream(ApprenticeServer on, String runId, StringBuffer into) throws Exception {
        for (int i = 0; i < 1200 && harness.store().get(runId).isEmpty(); i++) Thread.sleep(25);
        return api.http().sendAsync(HttpRequest.newBuilder(URI.create(on.url() + "/api/runs/" + runId + "/events"))
                .header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofLines())
                .thenAcceptAsync(r -> r.body().forEach(line -> into.append(line).append('\n')), READERS);
    }

    private List<Event.ToolResultEvent> results(String runId) {
        return harness.store().events(runId).stream().filter(e -> e instanceof Event.ToolResultEvent).map(e -> (Event.ToolResultEvent) e).toList();
    }

    static final String WRITE = """
            {"text": "Writing.", "tool_calls": [{"name": "write_file", "arguments": {"path": "out.txt", "content": "hello"}}]}
            {"text": "Done."}
            """;

    @Test
    void aServerRestartedWhileItsRunWaitsInTheClusterListsTheApprovalAgainAndTheRunGoesOn() throws Exception {
        start(WRITE, Duration.ofMinutes(5));
        var id = api.send("POST", "/api/runs", "{\"task\": \"write hello to out.txt\"}").path("id").asText();
        awaitApproval(id);
        var options = ServerOptions.defaults(0, root)
                .withDefaults(Map.of("model", "scripted:" + root.resolve("script.jsonl"), "memory", "off", "approve", "ask"))
                .withToken(TOKEN);
        server.close(); // the workflow waits on in the cluster
        harness.store().markInterrupted(); // what every server does on a GET: the run is the engine's, no process's
        assertThat(harness.store().get(id).orElseThrow().status().wireName()).isEqualTo("running");
        server = ApprenticeServer.start(harness, options.withLimits(options.maxConcurrentRuns(), Duration.ofMinutes(5), Duration.ofSeconds(2)),
                new PrintStream(new ByteArrayOutputStream(), true), List.of(), TemporalExecutor.factory(env.getWorkflowClient(), RunWorkers.TASK_QUEUE, harness.store()));
        var again = awaitApproval(id);
        assertThat(again.path("id").asText()).isEqualTo(id + ":1:0");
        api.send("POST", "/api/approvals/" + again.path("id").asText(), "{\"allow\": true}");
        assertThat(api.awaitFinished(id).path("status").asText()).isEqualTo("succeeded");
        assertThat(Files.readString(root.resolve("out.txt"))).isEqualTo("hello");
    }

    @Test
    void aStreamGetsTheEventsWorkersStoreAsTheyAreStoredNotAtItsHeartbeat() throws Exception {
        heartbeat = Duration.ofSeconds(60); // far longer than the test waits for any event
        start(WRITE.replace("{\"text\": \"Done.\"}", """
                {"text": "Again.", "tool_calls": [{"name": "write_file", "arguments": {"path": "two.txt", "content": "two"}}]}
                {"text": "Done."}"""), Duration.ofMinutes(5));
        var id = api.send("POST", "/api/runs", "{\"task\": \"write two files\"}").path("id").asText();
        var stream = new StringBuffer();
        var streaming = stream(server, id, stream);
        api.send("POST", "/api/approvals/" + awaitApproval(id).path("id").asText(), "{\"allow\": true}");
        // the run waits again, at its second step: the first step's events were stored by the worker meanwhile, and the
        // stream, which no live message of this process told of them, has them within moments
        for (int i = 0; i < 1200 && listed().stream().noneMatch(a -> a.path("id").asText().equals(id + ":2:0")); i++) Thread.sleep(25);
        for (int i = 0; i < 200 && !stream.toString().contains("event: step_completed"); i++) Thread.sleep(25);
        assertThat(stream.toString()).as("the first step, stored by a worker, on the stream while the run waits").contains("event: step_completed")
                .doesNotContain("event: run_finished");
        api.send("POST", "/api/approvals/" + id + ":2:0", "{\"allow\": true}");
        streaming.get(10, java.util.concurrent.TimeUnit.SECONDS); // ends with the run, not at a heartbeat
        assertThat(stream.toString()).contains("event: run_finished");
        assertThat(Files.readString(root.resolve("two.txt"))).isEqualTo("two");
    }

    @Test
    void aWaitingWorkflowIsListedToldOnItsStreamAndAnAllowLetsItGoOn() throws Exception {
        start(WRITE, Duration.ofMinutes(5));
        var id = api.send("POST", "/api/runs", "{\"task\": \"write hello to out.txt\"}").path("id").asText();
        // the run's stream, read as it comes: approval requests are live messages
        var stream = new StringBuffer();
        var streaming = api.http().sendAsync(HttpRequest.newBuilder(URI.create(server.url() + "/api/runs/" + id + "/events"))
                .header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofLines())
                .thenAcceptAsync(r -> r.body().forEach(line -> stream.append(line).append('\n')), READERS);

        var approval = awaitApproval(id);
        assertThat(approval.path("id").asText()).isEqualTo(id + ":1:0");
        assertThat(approval.path("tool").asText()).isEqualTo("write_file");
        assertThat(approval.path("subject").asText()).isEqualTo("out.txt");
        assertThat(approval.path("arguments").asText()).contains("hello");
        var created = Instant.parse(approval.path("created_at").asText());
        var expires = Instant.parse(approval.path("expires_at").asText());
        assertThat(Duration.between(created, expires)).isEqualTo(Duration.ofMinutes(5)); // the server's timeout, not the engine's day
        assertThat(api.send("GET", "/api/approvals?run=" + id, null).path("approvals")).hasSize(1);
        assertThat(Files.exists(root.resolve("out.txt"))).isFalse();
        assertThat(api.send("GET", "/api/runs/" + id, null).path("status").asText()).isEqualTo("running");
        for (int i = 0; i < 400 && !stream.toString().contains("approval_requested"); i++) Thread.sleep(25);
        assertThat(stream.toString()).contains("event: approval_requested").contains("\"id\":\"" + id + ":1:0\"");
        assertThat(told).contains("requested " + id + ":1:0 write_file");

        var answered = api.send("POST", "/api/approvals/" + approval.path("id").asText(), "{\"allow\": true}");
        assertThat(answered.path("allow").asBoolean()).isTrue();
        var run = api.awaitFinished(id);
        assertThat(run.path("status").asText()).isEqualTo("succeeded");
        assertThat(Files.readString(root.resolve("out.txt"))).isEqualTo("hello");
        assertThat(listed()).isEmpty();
        var permission = harness.store().events(id).stream().filter(e -> e instanceof Event.PermissionDecision)
                .map(e -> (Event.PermissionDecision) e).toList();
        assertThat(permission).singleElement().satisfies(p -> {
            assertThat(p.allowed()).isTrue();
            assertThat(p.decidedBy()).startsWith("user").endsWith("(once)");
        });
        streaming.get(30, java.util.concurrent.TimeUnit.SECONDS); // the stream ended with the run
        assertThat(stream.toString()).contains("event: approval_answered").contains("event: run_finished");
        assertThat(told).anyMatch(t -> t.startsWith("answered " + id + ":1:0 true once"));

        // answered already: nothing is pending under that id, on this server or on the engine
        var again = api.call("POST", "/api/approvals/" + id + ":1:0", "{\"allow\": true}");
        assertThat(again.statusCode()).isEqualTo(404);
        assertThat(Json.tree(again.body()).path("error").isMissingNode()).isFalse();
    }

    @Test
    void aServerListsAndStreamsTheApprovalOfARunAnotherServerAcceptedAndItsAnswerThereLetsTheRunGoOn() throws Exception {
        start(WRITE, Duration.ofMinutes(5));
        startOther(Duration.ofMinutes(5));
        var id = api.send("POST", "/api/runs", "{\"task\": \"write hello to out.txt\"}").path("id").asText();
        var stream = new StringBuffer();
        var streaming = stream(other, id, stream);

        var approval = awaitApproval(otherApi, id);
        assertThat(approval.path("id").asText()).isEqualTo(id + ":1:0");
        assertThat(approval.path("tool").asText()).isEqualTo("write_file");
        assertThat(approval.path("subject").asText()).isEqualTo("out.txt");
        assertThat(approval.path("arguments").asText()).contains("hello");
        assertThat(Duration.between(Instant.parse(approval.path("created_at").asText()), Instant.parse(approval.path("expires_at").asText())))
                .isEqualTo(Duration.ofMinutes(5));
        assertThat(otherApi.send("GET", "/api/approvals?run=" + id, null).path("approvals")).hasSize(1);
        assertThat(awaitApproval(api, id).path("id").asText()).isEqualTo(id + ":1:0"); // and the accepting server lists it as before
        for (int i = 0; i < 400 && !stream.toString().contains("approval_requested"); i++) Thread.sleep(25);
        assertThat(stream.toString()).contains("event: approval_requested").contains("\"id\":\"" + id + ":1:0\"");
        assertThat(Files.exists(root.resolve("out.txt"))).isFalse();

        var answered = otherApi.send("POST", "/api/approvals/" + id + ":1:0", "{\"allow\": true}");
        assertThat(answered.path("allow").asBoolean()).isTrue();
        assertThat(api.awaitFinished(id).path("status").asText()).isEqualTo("succeeded");
        assertThat(Files.readString(root.resolve("out.txt"))).isEqualTo("hello");
        streaming.get(30, java.util.concurrent.TimeUnit.SECONDS); // B's stream ended with the run
        assertThat(stream.toString()).contains("event: approval_answered").contains("event: run_finished");
        awaitNoneListed(otherApi);
        awaitNoneListed(api);
        // a chat is told once, by the server that accepted the run, also of the answer given on the other
        for (int i = 0; i < 200 && told.stream().noneMatch(t -> t.startsWith("answered")); i++) Thread.sleep(25);
        assertThat(told).hasSize(2).first().isEqualTo("requested " + id + ":1:0 write_file");
        assertThat(told.get(1)).startsWith("answered " + id + ":1:0 true once by ");
        assertThat(otherTold).isEmpty();
        assertThat(otherApi.call("POST", "/api/approvals/" + id + ":1:0", "{\"allow\": true}").statusCode()).isEqualTo(404);
    }

    @Test
    void anAnswerOnTheAcceptingServerIsToldOnTheOtherServersStreamAndLeavesItsList() throws Exception {
        start(WRITE, Duration.ofMinutes(5));
        startOther(Duration.ofMinutes(5));
        var id = api.send("POST", "/api/runs", "{\"task\": \"write hello to out.txt\"}").path("id").asText();
        var stream = new StringBuffer();
        var streaming = stream(other, id, stream);
        awaitApproval(otherApi, id);
        awaitApproval(api, id);
        api.send("POST", "/api/approvals/" + id + ":1:0", "{\"allow\": false, \"reason\": \"not today\"}");
        awaitNoneListed(otherApi);
        assertThat(api.awaitFinished(id).path("status").asText()).isEqualTo("succeeded");
        assertThat(Files.exists(root.resolve("out.txt"))).isFalse();
        streaming.get(30, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(stream.toString()).contains("event: approval_requested", "event: approval_answered", "\"allow\":false", "not today");
        assertThat(otherTold).isEmpty();
    }

    @Test
    void aDenialStopsTheToolAndTheModelIsToldWhy() throws Exception {
        start(WRITE, Duration.ofMinutes(5));
        var id = api.send("POST", "/api/runs", "{\"task\": \"write hello to out.txt\"}").path("id").asText();
        var approval = awaitApproval(id);
        api.send("POST", "/api/approvals/" + approval.path("id").asText(), "{\"allow\": false, \"reason\": \"not today\"}");
        var run = api.awaitFinished(id);
        assertThat(run.path("status").asText()).isEqualTo("succeeded");
        assertThat(run.path("answer").asText()).isEqualTo("Done.");
        assertThat(Files.exists(root.resolve("out.txt"))).isFalse();
        assertThat(results(id)).singleElement().satisfies(r -> {
            assertThat(r.error()).isTrue();
            assertThat(r.content()).contains("Permission denied", "not today");
        });
        assertThat(told).anyMatch(t -> t.startsWith("answered " + id + ":1:0 false") && t.endsWith("not today"));
    }

    @Test
    void nobodyAnsweringWithinTheServersTimeoutDenies() throws Exception {
        start(WRITE, Duration.ofSeconds(3));
        var id = api.send("POST", "/api/runs", "{\"task\": \"write hello to out.txt\"}").path("id").asText();
        var approval = awaitApproval(id);
        assertThat(Duration.between(Instant.parse(approval.path("created_at").asText()), Instant.parse(approval.path("expires_at").asText())))
                .isEqualTo(Duration.ofSeconds(3));
        var run = api.awaitFinished(id);
        assertThat(run.path("status").asText()).isEqualTo("succeeded");
        assertThat(Files.exists(root.resolve("out.txt"))).isFalse();
        assertThat(results(id)).singleElement().satisfies(r -> {
            assertThat(r.error()).isTrue();
            assertThat(r.content()).contains("Permission denied", "nobody answered within 3 s");
        });
        for (int i = 0; i < 200 && told.stream().noneMatch(t -> t.startsWith("answered")); i++) Thread.sleep(25);
        assertThat(told).anyMatch(t -> t.startsWith("answered " + id + ":1:0 false") && t.contains("by null") && t.contains("no answer within 3 s"));
        assertThat(listed()).isEmpty();
        assertThat(api.call("POST", "/api/approvals/" + approval.path("id").asText(), "{\"allow\": true}").statusCode()).isEqualTo(404);
    }

    @Test
    void anAlwaysAnswerHoldsForTheRestOfTheRun() throws Exception {
        start("""
                {"text": "First.", "tool_calls": [{"name": "write_file", "arguments": {"path": "a.txt", "content": "a"}}]}
                {"text": "Second.", "tool_calls": [{"name": "write_file", "arguments": {"path": "b.txt", "content": "b"}}]}
                {"text": "Done."}
                """, Duration.ofMinutes(5));
        var id = api.send("POST", "/api/runs", "{\"task\": \"write two files\"}").path("id").asText();
        var approval = awaitApproval(id);
        api.send("POST", "/api/approvals/" + approval.path("id").asText(), "{\"allow\": true, \"scope\": \"always\"}");
        var run = api.awaitFinished(id);
        assertThat(run.path("status").asText()).isEqualTo("succeeded");
        assertThat(Files.readString(root.resolve("a.txt"))).isEqualTo("a");
        assertThat(Files.readString(root.resolve("b.txt"))).isEqualTo("b");
        var decided = harness.store().events(id).stream().filter(e -> e instanceof Event.PermissionDecision)
                .map(e -> ((Event.PermissionDecision) e).decidedBy()).toList();
        assertThat(decided).hasSize(2);
        assertThat(decided.get(0)).endsWith("(always this session)");
        assertThat(decided.get(1)).isEqualTo("user (always this session)"); // nobody was asked the second time
        assertThat(told.stream().filter(t -> t.startsWith("requested"))).containsExactly("requested " + id + ":1:0 write_file");
    }
}
