package ai.apprentice.bench;

import ai.apprentice.cli.CliContext;
import ai.apprentice.cli.UsageException;
import ai.apprentice.harness.AgentSpec;
import ai.apprentice.harness.Harness;
import ai.apprentice.json.Json;
import ai.apprentice.model.RetryPolicy;
import ai.apprentice.providers.ProviderSettings;
import ai.apprentice.providers.Providers;
import ai.apprentice.runtime.Agent;
import ai.apprentice.runtime.Event;
import ai.apprentice.runtime.RunStatus;
import ai.apprentice.store.RunStore;
import ai.apprentice.testkit.MockOpenAiServer;
import ai.apprentice.testkit.MockReply;
import ai.apprentice.tool.Tools;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Harness overhead per step: a scripted run of N steps against the mock OpenAI-compatible server, through
 * the real HTTP client, loop, tool executor and SQLite store, compared with a bare HTTP round trip of the
 * very same request body to the same server, made right after each step's model call.
 */
@Command(name = "harness", description = "Per-step harness overhead of an N-step run against a local mock model server.")
final class HarnessBench implements Callable<Integer> {
    private final CliContext cli;
    @Option(names = "--steps", defaultValue = "200", description = "Steps per run (default ${DEFAULT-VALUE}).") int steps;
    @Option(names = "--no-store", description = "Leave the SQLite store out, to see its share of the overhead.") boolean noStore;
    @Option(names = "--warmup", defaultValue = "2", description = "Unmeasured runs first, for the JIT (default ${DEFAULT-VALUE}).") int warmup;
    @Option(names = "--agent", defaultValue = "harness", description = "harness: the agent as 'apprentice run' assembles it "
            + "(all tools, skills index, memory and correction hooks, permission gate, store); core: the bare loop with one tool "
            + "(default ${DEFAULT-VALUE}).") String agentKind;

    HarnessBench(CliContext cli) {
        this.cli = cli;
    }

    /** Each reply twice: once for the run's request, once for the bare replay of the same body right after it. */
    private MockReply[] script() {
        var replies = new MockReply[2 * steps];
        for (int i = 0; i < steps; i++) {
            var reply = i < steps - 1 ? MockReply.toolCalls(MockReply.call("noop", "{\"i\": " + i + "}")) : MockReply.text("done");
            replies[2 * i] = reply;
            replies[2 * i + 1] = reply;
        }
        return replies;
    }

    @Override
    public Integer call() throws Exception {
        var home = Files.createTempDirectory("apprentice-bench-harness");
        var workspace = Files.createDirectories(home.resolve("workspace"));
        try (var server = new MockOpenAiServer(); var store = RunStore.open(home.resolve("core.db"));
             var harness = Harness.builder().home(home.resolve("home")).env(Map.of()).err(cli.err()).build()) {
            var client0 = Providers.resolve("compat:mock", new ProviderSettings(server.baseUrl(), "k", RetryPolicy.NONE, null, null, Map.of()), k -> null);
            var bare = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            var chatMs = new ArrayList<Double>();
            var rttMs = new ArrayList<Double>();
            // After each model call, the same request body goes once more over a bare HTTP client: the baseline is
            // measured right beside the step it is compared with, under the same conditions.
            var model = new ai.apprentice.model.Model() {
                @Override public String id() { return client0.id(); }

                @Override
                public ai.apprentice.model.ChatResponse chat(ai.apprentice.model.ChatRequest r, ai.apprentice.model.ModelListener l)
                        throws InterruptedException {
                    long t0 = System.nanoTime();
                    var response = client0.chat(r, l);
                    chatMs.add((System.nanoTime() - t0) / 1e6);
                    rttMs.add(roundTrip(bare, server, server.requests().getLast().body().toString()));
                    return response;
                }
            };
            var noop = Tools.builder("noop").description("does nothing").optionalParam("i", "integer", "").execute((a, c) -> "ok");
            var stepMs = new ArrayList<Double>();
            for (int round = 0; round <= warmup; round++) {
                server.enqueue(script());
                chatMs.clear();
                rttMs.clear();
                var times = new ArrayList<Long>();
                Agent.Builder builder;
                if (agentKind.equals("harness")) {
                    // The standard agent of a session in a scratch home, with the mock-backed model in place of the
                    // configured one: every hook, the gate and the store run as they do for a person.
                    var session = harness.session(workspace, Map.of("approve", "auto", "max_steps", steps));
                    session.useModel(model);
                    builder = session.builder(AgentSpec.standard().withTools(List.of(noop)));
                } else if (agentKind.equals("core")) {
                    builder = Agent.builder().model(model).tool(noop).maxSteps(steps).workspace(home);
                    if (!noStore) builder.listener(store);
                } else {
                    throw new UsageException("--agent is harness or core, not '" + agentKind + "'");
                }
                var agent = builder.listener(e -> {
                    if (e instanceof Event.RunStarted || e instanceof Event.StepCompleted) times.add(System.nanoTime());
                }).build();
                var result = agent.run("benchmark");
                if (result.status() != RunStatus.SUCCEEDED || result.steps() != steps) {
                    throw new IllegalStateException("benchmark run did not complete: " + result);
                }
                stepMs.clear();
                for (int i = 1; i < times.size(); i++) stepMs.add((times.get(i) - times.get(i - 1)) / 1e6 - rttMs.get(i - 1));
            }
            var overhead = new ArrayList<Double>();
            var clientOverhead = new ArrayList<Double>();
            var loopOverhead = new ArrayList<Double>();
            for (int i = 0; i < steps; i++) {
                overhead.add(stepMs.get(i) - rttMs.get(i));
                clientOverhead.add(chatMs.get(i) - rttMs.get(i));
                loopOverhead.add(stepMs.get(i) - chatMs.get(i));
            }
            double median = BenchCommand.median(overhead);
            double rtt = BenchCommand.median(rttMs);
            var out = Json.object().put("benchmark", "harness_overhead_per_step").put("agent", agentKind).put("steps", steps)
                    .put("median_step_ms", BenchCommand.round(BenchCommand.median(stepMs)))
                    .put("median_round_trip_ms", BenchCommand.round(BenchCommand.median(rttMs)))
                    .put("median_overhead_ms", BenchCommand.round(median))
                    .put("overhead_to_round_trip", BenchCommand.round(median / rtt))
                    .put("median_client_overhead_ms", BenchCommand.round(BenchCommand.median(clientOverhead)))
                    .put("median_loop_and_store_ms", BenchCommand.round(BenchCommand.median(loopOverhead)))
                    .put("p90_overhead_ms", BenchCommand.round(BenchCommand.percentile(overhead, 90)))
                    .put("p99_overhead_ms", BenchCommand.round(BenchCommand.percentile(overhead, 99)))
                    .put("events_stored", agentKind.equals("harness") ? harness.store().events(harness.store().list(1).getFirst().id()).size()
                            : noStore ? 0 : store.events(store.list(1).getFirst().id()).size())
                    .put("target_ms", 1.0).put("meets_target", median < 1.0);
            cli.out().println(out.toPrettyString());
            return 0;
        } finally {
            ai.apprentice.cli.Trees.deleteTree(home);
        }
    }

    static double roundTrip(HttpClient client, MockOpenAiServer server, String body) {
        long t0 = System.nanoTime();
        try {
            var response = client.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/chat/completions"))
                    .header("Content-Type", "application/json").header("Authorization", "Bearer k")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = response.body()) {
                in.transferTo(java.io.OutputStream.nullOutputStream());
            }
        } catch (java.io.IOException | InterruptedException e) {
            throw new IllegalStateException("baseline request failed", e);
        }
        return (System.nanoTime() - t0) / 1e6;
    }
}
