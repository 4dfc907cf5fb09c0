package ai.apprentice.bench;

import ai.apprentice.cli.CliContext;
import ai.apprentice.harness.AgentSpec;
import ai.apprentice.harness.Harness;
import ai.apprentice.json.Json;
import ai.apprentice.model.Model;
import ai.apprentice.model.Price;
import ai.apprentice.model.PriceTable;
import ai.apprentice.model.RetryPolicy;
import ai.apprentice.model.Usage;
import ai.apprentice.providers.ProviderSettings;
import ai.apprentice.providers.Providers;
import ai.apprentice.runtime.Event;
import ai.apprentice.runtime.RunHook;
import ai.apprentice.runtime.RunStatus;
import ai.apprentice.testkit.MockAnthropicServer;
import ai.apprentice.testkit.MockOpenAiServer;
import ai.apprentice.testkit.MockReply;
import ai.apprentice.testkit.MockServer;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * What prompt caching saves: an N-step run of the agent as {@code apprentice run} assembles it (its instructions and
 * tools, reading one file a step), through the real provider clients, against mock servers that report cache hits
 * as Anthropic and OpenAI document them for a byte-identical prefix. Billed input is priced from the reported usage
 * with the built-in price table, with caching and without (Anthropic: the same run without breakpoints; OpenAI, which
 * caches by itself: the same input at the plain price, and a run whose prefix changes every step, as a timestamp
 * next to the instructions would make it).
 */
@Command(name = "cost", description = "Billed input cost of an N-step run with and without prompt caching, on Anthropic's and OpenAI's price structures.")
final class CostBench implements Callable<Integer> {
    static final double TARGET_REDUCTION = 0.5;
    private final CliContext cli;
    @Option(names = "--steps", defaultValue = "30", description = "Steps per run (default ${DEFAULT-VALUE}).") int steps;
    @Option(names = "--file-bytes", defaultValue = "2400", description = "Size of the file each step reads (default ${DEFAULT-VALUE}).") int fileBytes;

    CostBench(CliContext cli) {
        this.cli = cli;
    }

    /** The usage of each call of one run, as the run's events reported it. */
    private record Run(List<Usage> calls, int steps) {
        Usage total() {
            return calls.stream().reduce(Usage.ZERO, Usage::plus);
        }
    }

    @Override
    public Integer call() throws Exception {
        if (steps < 2) throw new ai.apprentice.cli.UsageException("--steps must be at least 2");
        var home = Files.createTempDirectory("apprentice-bench-cost");
        try (var harness = Harness.builder().home(home.resolve("home")).env(Map.of()).err(cli.err()).build()) {
            var workspace = Files.createDirectories(home.resolve("workspace"));
            for (int i = 0; i < steps; i++) {
                Files.writeString(workspace.resolve("notes-" + i + ".md"), ("Note " + i + ": the quarterly figures, line by line. ").repeat(fileBytes / 50));
            }
            var prices = PriceTable.defaults();
            var out = Json.object().put("benchmark", "prompt_caching_cost").put("steps", steps)
                    .put("token_estimate", "request JSON bytes / 4, as the mock servers count")
                    .put("target_input_cost_reduction", TARGET_REDUCTION);
            boolean met = true;

            var anthropic = "anthropic:claude-sonnet-4-5";
            var cached = run(harness, workspace, anthropic, new MockAnthropicServer(), true, false);
            var plain = run(harness, workspace, anthropic, new MockAnthropicServer(), false, false);
            met &= report(out.putObject("anthropic"), anthropic, prices.lookup(anthropic), cached, plain,
                    "with: cache_control breakpoints on tools, system and the newest user turns; without: none");

            // OpenAI caches by itself, so "without" is the same run's input at the plain price; a prefix that changes
            // every step (a timestamp after the instructions) shows what is lost when the history is not byte-stable.
            var openai = "openai:gpt-4.1";
            var stable = run(harness, workspace, openai, new MockOpenAiServer(), true, false);
            var uncached = new Run(stable.calls().stream().map(u -> new Usage(u.inputTokens(), u.outputTokens())).toList(), stable.steps());
            var node = out.putObject("openai");
            met &= report(node, openai, prices.lookup(openai), stable, uncached,
                    "with: automatic caching of the byte-stable prefix; without: the same input billed at the plain price");
            var volatilePrefix = run(harness, workspace, openai, new MockOpenAiServer(), true, true);
            double volatileCost = volatilePrefix.calls().stream().mapToDouble(u -> inputCost(prices.lookup(openai), u)).sum();
            node.put("input_cost_usd_with_a_timestamp_after_the_instructions", round6(volatileCost))
                    .put("cache_read_tokens_with_a_timestamp_after_the_instructions", volatilePrefix.total().cacheReadTokens());

            out.put("meets_target", met);
            cli.out().println(out.toPrettyString());
            return 0;
        } finally {
            ai.apprentice.cli.Trees.deleteTree(home);
        }
    }

    private Run run(Harness harness, Path workspace, String spec, MockServer server, boolean caching, boolean volatilePrefix)
            throws InterruptedException {
        try (server) {
            server.simulatePromptCache();
            for (int i = 0; i < steps - 1; i++) {
                server.enqueue(MockReply.toolCalls(MockReply.call("read_file", "{\"path\": \"notes-" + i + ".md\"}")));
            }
            server.enqueue(MockReply.text("The notes are read."));
            String baseUrl = server instanceof MockAnthropicServer a ? a.baseUrl() : ((MockOpenAiServer) server).baseUrl();
            var settings = new ProviderSettings(baseUrl, "mock-key", RetryPolicy.NONE, null, null, Map.of()).withPromptCaching(caching);
            Model model = Providers.resolve(spec, settings, k -> null);
            var session = harness.session(workspace, Map.of("approve", "auto", "max_steps", steps));
            session.useModel(model);
            var calls = new ArrayList<Usage>();
            var builder = session.builder(AgentSpec.standard()).listener(e -> {
                if (e instanceof Event.UsageEvent u) {
                    calls.add(new Usage(u.inputTokens(), u.outputTokens(), u.cacheReadTokens(), u.cacheWriteTokens(), u.reasoningTokens()));
                }
            });
            if (volatilePrefix) {
                builder.hook(new RunHook() {
                    @Override public String contextForTurn(Turn turn) {
                        return "Now: " + java.time.Instant.now() + " (step " + turn.step() + ")";
                    }
                });
            }
            var result = builder.build().run("Read every notes file and summarise the figures.");
            if (result.status() != RunStatus.SUCCEEDED || result.steps() != steps) {
                throw new IllegalStateException("the benchmark run did not complete: " + result.status() + ", " + result.stopReason());
            }
            return new Run(calls, result.steps());
        }
    }

    /** Fills {@code node} and says whether caching cut the billed input cost by the target. */
    private static boolean report(ObjectNode node, String model, Price price, Run with, Run without, String how) {
        double inWith = with.calls().stream().mapToDouble(u -> inputCost(price, u)).sum();
        double inWithout = without.calls().stream().mapToDouble(u -> inputCost(price, u)).sum();
        double reduction = 1 - inWith / inWithout;
        var t = with.total();
        node.put("model", model).put("how", how)
                .put("price_input_per_million", price.inputPerMillion()).put("price_cached_input_per_million", price.cachedInputPerMillion())
                .put("price_cache_write_per_million", price.cacheWritePerMillion()).put("price_source", price.source())
                .put("price_as_of", price.asOf())
                .put("input_tokens", t.inputTokens()).put("cache_read_tokens", t.cacheReadTokens()).put("cache_write_tokens", t.cacheWriteTokens())
                .put("input_tokens_without_caching", without.total().inputTokens())
                .put("cache_read_tokens_without_caching", without.total().cacheReadTokens())
                .put("input_cost_usd_with_caching", round6(inWith)).put("input_cost_usd_without_caching", round6(inWithout))
                .put("input_cost_reduction", BenchCommand.round(reduction))
                .put("run_cost_usd_with_caching", round6(with.calls().stream().mapToDouble(price::cost).sum()))
                .put("run_cost_usd_without_caching", round6(without.calls().stream().mapToDouble(price::cost).sum()))
                .put("meets_target", reduction >= TARGET_REDUCTION);
        return reduction >= TARGET_REDUCTION;
    }

    private static double inputCost(Price price, Usage u) {
        return price.cost(new Usage(u.inputTokens(), 0, u.cacheReadTokens(), u.cacheWriteTokens(), 0));
    }

    private static double round6(double x) {
        return Math.round(x * 1e6) / 1e6;
    }
}
