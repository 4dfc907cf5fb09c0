package ai.apprentice.temporal.triggers;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.channels.triggers.TriggerStore;
import ai.apprentice.channels.triggers.Triggers;
import ai.apprentice.harness.Harness;
import ai.apprentice.server.ApprenticeServer;
import ai.apprentice.server.ServerOptions;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.WorkerFactory;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two servers sharing a trigger store keep a schedule's time on Temporal (its in-process test server, with time
 * skipping): one timer for the cluster, one run per due minute whichever server's worker fires it, and the timer ends
 * when the trigger is removed.
 */
@Timeout(120)
class TemporalSchedulesTest {
    static final String TOKEN = "test-token-0123456789abcdef";
    static final String QUEUE = "apprentice-triggers";
    @TempDir Path home;
    @TempDir Path root;

    /** The servers' clock is the engine's: a fire's lateness is measured in the same (skipped) time as its timer. */
    static Clock clockOf(TestWorkflowEnvironment env) {
        return new Clock() {
            @Override
            public ZoneOffset getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return Instant.ofEpochMilli(env.currentTimeMillis());
            }
        };
    }

    @Test
    void oneTimerForTheClusterFiresEachDueMinuteOnceAndEndsWithItsTrigger() throws Exception {
        Files.writeString(root.resolve("script.jsonl"), "{\"text\": \"report written\"}\n".repeat(20));
        var log = new ByteArrayOutputStream();
        var out = new PrintStream(log, true);
        try (var env = TestWorkflowEnvironment.newInstance()) {
            var clock = clockOf(env);
            var a = new Triggers(home, clock, out, Map.of(), null);
            var b = new Triggers(home, clock, out, Map.of(), null);
            TemporalSchedules.register(env.newWorker(QUEUE), a);
            var second = WorkerFactory.newInstance(env.getWorkflowClient()); // server b's worker, polling the same queue
            TemporalSchedules.register(second.newWorker(QUEUE), b);
            var engine = new TemporalSchedules(env.getWorkflowClient(), QUEUE, "test");
            a.scheduleOn(engine);
            b.scheduleOn(engine);
            env.start();
            second.start();
            var defaults = new LinkedHashMap<String, Object>(Map.of("model", "scripted:" + root.resolve("script.jsonl"), "memory", "off"));
            var options = ServerOptions.defaults(0, root).withDefaults(defaults).withToken(TOKEN).withLimits(4, Duration.ofSeconds(30), Duration.ofMillis(500));
            try (var ha = Harness.builder().home(home).env(Map.of("APPRENTICE_SANDBOX", "off")).err(out).build();
                 var hb = Harness.builder().home(home).env(Map.of("APPRENTICE_SANDBOX", "off")).err(out).build();
                 var sa = ApprenticeServer.start(ha, options, out, List.of(a));
                 var sb = ApprenticeServer.start(hb, options, out, List.of(b))) {
                var made = post(sa, "/api/triggers", "{\"name\": \"minutely\", \"cron\": \"* * * * *\", \"tz\": \"UTC\", \"task\": \"report for {{due_at}}\"}");
                assertThat(made.statusCode()).as(made.body()).isEqualTo(201);
                b.tick(); // server b sees the new trigger too, and syncs the same timer (already started by a)

                long now = env.currentTimeMillis(); // to 30 s past the third whole minute: three fires due
                long firstDue = (now / 60_000 + 1) * 60_000;
                env.sleep(Duration.ofMillis(firstDue + 2 * 60_000 + 30_000 - now));
                List<TriggerStore.Fire> fires;
                try (var store = TriggerStore.open(home, Map.of())) {
                    fires = store.fires("minutely", 100);
                }
                assertThat(fires).as(log.toString()).hasSize(3);
                var keys = new HashSet<String>();
                for (var f : fires) {
                    assertThat(f.status()).as(f.toString()).isEqualTo("started");
                    assertThat(Instant.parse(f.key()).getEpochSecond() % 60).isZero(); // whole minutes, as cron says
                    assertThat(keys.add(f.key())).isTrue();
                    awaitFinished(ha, f.runId());
                }
                assertThat(ha.store().list(100).stream().filter(r -> r.task().startsWith("report for ")).count()).isEqualTo(3);

                assertThat(a.scheduleRefs()).hasSize(1);
                var id = engine.workflowId(a.scheduleRefs().get(0));
                assertThat(status(env, id)).isEqualTo(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING);

                var removed = send(sa, "DELETE", "/api/triggers/minutely", null);
                assertThat(removed.statusCode()).as(removed.body()).isIn(200, 204);
                env.sleep(Duration.ofMinutes(2));
                assertThat(status(env, id)).isEqualTo(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED);
            } finally {
                a.close();
                b.close();
                second.shutdown();
            }
        }
    }

    /** A fire's run is queued on whichever server fired it; it starts and ends in real time (bounded wait). */
    private static void awaitFinished(Harness h, String runId) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            var run = h.store().get(runId);
            if (run.isPresent() && run.get().status().wireName().equals("succeeded")) return;
            Thread.sleep(50);
        }
        throw new AssertionError("run " + runId + " did not succeed: " + h.store().get(runId));
    }

    private static WorkflowExecutionStatus status(TestWorkflowEnvironment env, String id) {
        var d = env.getWorkflowClient().getWorkflowServiceStubs().blockingStub().describeWorkflowExecution(DescribeWorkflowExecutionRequest.newBuilder()
                .setNamespace(env.getNamespace()).setExecution(WorkflowExecution.newBuilder().setWorkflowId(id)).build());
        return d.getWorkflowExecutionInfo().getStatus();
    }

    private static HttpResponse<String> post(ApprenticeServer s, String path, String json) throws Exception {
        return send(s, "POST", path, json);
    }

    private static HttpResponse<String> send(ApprenticeServer s, String method, String path, String json) throws Exception {
        var b = HttpRequest.newBuilder(URI.create(s.url() + path)).timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + TOKEN);
        b.method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        if (json != null) b.header("Content-Type", "application/json");
        return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
