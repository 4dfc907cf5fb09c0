package ai.apprentice.bench;

import ai.apprentice.cli.CliContext;
import ai.apprentice.cli.Trees;
import ai.apprentice.cli.UsageException;
import ai.apprentice.json.Json;
import ai.apprentice.tools.FileTools;
import ai.apprentice.tools.Workspace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "bench", description = "Benchmarks that print JSON; each compares against a baseline measured in the same run.",
        subcommands = {BenchCommand.Search.class, HarnessBench.class, BenchCommand.SkillPrompt.class, BenchCommand.TauGold.class, BenchCommand.EnvSteps.class, BenchCommand.Local.class, LearnBench.class, ServerBench.class, CostBench.class, McpBench.class, EngineBench.class})
final class BenchCommand {

    static double median(List<Double> xs) {
        var s = xs.stream().sorted().toList();
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    static double percentile(List<Double> xs, double p) {
        var s = xs.stream().sorted().toList();
        return s.get(Math.min(s.size() - 1, (int) Math.ceil(p / 100.0 * s.size()) - 1));
    }

    @Command(name = "search", description = "search_files over a generated tree against grep -rn on the same tree.")
    static final class Search implements Callable<Integer> {
        private final CliContext cli;
        @Option(names = "--files", defaultValue = "10000", description = "Files in the tree (default ${DEFAULT-VALUE}).") int files;
        @Option(names = "--lines", defaultValue = "60", description = "Lines per file (default ${DEFAULT-VALUE}).") int lines;
        @Option(names = "--repeat", defaultValue = "7", description = "Timed repetitions of each (default ${DEFAULT-VALUE}).") int repeat;
        @Option(names = "--pattern", defaultValue = "needle_[0-9]+", description = "Regex to search (default ${DEFAULT-VALUE}).") String pattern;

        Search(CliContext cli) { this.cli = cli; }

        @Override
        public Integer call() throws Exception {
            Path root = Files.createTempDirectory("apprentice-bench-search");
            try {
                generate(root);
                var tools = new FileTools(new Workspace(root));
                var grepTimes = new ArrayList<Double>();
                var ourTimes = new ArrayList<Double>();
                String ours = "";
                for (int i = 0; i < 2; i++) {
                    grep(root); // warm the page cache and the JIT alike
                    tools.searchFiles().execute(Json.object().put("pattern", pattern), null);
                }
                for (int i = 0; i < repeat; i++) {
                    long t0 = System.nanoTime();
                    grep(root);
                    grepTimes.add((System.nanoTime() - t0) / 1e6);
                    t0 = System.nanoTime();
                    ours = tools.searchFiles().execute(Json.object().put("pattern", pattern), null).content();
                    ourTimes.add((System.nanoTime() - t0) / 1e6);
                }
                var m = java.util.regex.Pattern.compile("of (\\d+) matches").matcher(ours);
                var out = Json.object().put("benchmark", "search_files_vs_grep").put("files", files).put("lines_per_file", lines)
                        .put("pattern", pattern).put("repeat", repeat)
                        .put("matches", m.find() ? Long.parseLong(m.group(1)) : ours.lines().count())
                        .put("grep_median_ms", round(median(grepTimes))).put("search_files_median_ms", round(median(ourTimes)))
                        .put("ratio", round(median(ourTimes) / median(grepTimes)));
                cli.out().println(out.toPrettyString());
                return 0;
            } finally {
                Trees.deleteTree(root);
            }
        }

        private void grep(Path root) throws IOException, InterruptedException {
            var p = new ProcessBuilder("grep", "-rnE", pattern, root.toString()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(5, TimeUnit.MINUTES)) p.destroyForcibly();
        }

        private void generate(Path root) throws IOException {
            var rnd = new Random(42);
            String[] words = {"alpha", "beta", "gamma", "delta", "return", "public", "static", "void", "int", "for", "while", "class"};
            for (int f = 0; f < files; f++) {
                var dir = root.resolve("d" + (f % 100)).resolve("s" + (f % 7));
                Files.createDirectories(dir);
                var sb = new StringBuilder();
                for (int l = 0; l < lines; l++) {
                    for (int w = 0; w < 8; w++) sb.append(words[rnd.nextInt(words.length)]).append(' ');
                    if (rnd.nextInt(50) == 0) sb.append("needle_").append(rnd.nextInt(1000));
                    sb.append('\n');
                }
                Files.writeString(dir.resolve("f" + f + ".txt"), sb);
            }
        }
    }

    @Command(name = "skills", description = "System-prompt size with 0, 10 and 100 skills installed.")
    static final class SkillPrompt implements Callable<Integer> {
        private final CliContext cli;
        SkillPrompt(CliContext cli) { this.cli = cli; }

        @Override
        public Integer call() throws Exception {
            var out = Json.object().put("benchmark", "skills_prompt_size").put("token_estimate", "characters / 4")
                    .put("budget_tokens", ai.apprentice.harness.Harness.SKILL_INDEX_TOKENS);
            var sizes = out.putObject("system_prompt_tokens");
            for (int n : new int[] {0, 10, 100}) {
                Path root = Files.createTempDirectory("apprentice-bench-skills");
                try {
                    for (int i = 0; i < n; i++) {
                        var dir = Files.createDirectories(root.resolve("skill-" + i));
                        // Descriptions like real ones: what the skill does and when to use it (~40 words).
                        Files.writeString(dir.resolve("SKILL.md"), "---\nname: skill-" + i + "\ndescription: Reviews and improves "
                                + "artefacts of kind " + i + ", checking structure, naming, tests and documentation against the team "
                                + "checklist. Use when the user asks to review, tidy or prepare kind-" + i + " work for release.\n---\nBody.\n");
                    }
                    var catalog = ai.apprentice.skills.SkillCatalog.discover(List.of(new ai.apprentice.skills.SkillCatalog.Root(root, "bench")));
                    var prompt = ai.apprentice.harness.Harness.INSTRUCTIONS + (n == 0 ? "" : "\n\n" + catalog.promptSection(ai.apprentice.harness.Harness.SKILL_INDEX_TOKENS));
                    sizes.put(String.valueOf(n), ai.apprentice.skills.SkillCatalog.estimateTokens(prompt));
                } finally {
                    Trees.deleteTree(root);
                }
            }
            cli.out().println(out.toPrettyString());
            return 0;
        }
    }

    @Command(name = "taubench", description = "Gold replay of every tau-bench task (685) through the environment, hashing included.")
    static final class TauGold implements Callable<Integer> {
        private final CliContext cli;
        @Option(names = "--data", required = true, paramLabel = "DIR", description = "The tau-bench data folder.") Path data;
        @Option(names = "--concurrency", defaultValue = "2", description = "Tasks at once (default ${DEFAULT-VALUE}).") int concurrency;
        TauGold(CliContext cli) { this.cli = cli; }

        @Override
        public Integer call() throws Exception {
            long t0 = System.nanoTime();
            int tasks = 0;
            int ones = 0;
            for (var run : List.of(new String[] {"taubench-retail", "test"}, new String[] {"taubench-retail", "train"},
                    new String[] {"taubench-retail", "dev"}, new String[] {"taubench-airline", "test"})) {
                var env = ai.apprentice.envs.EnvironmentProvider.byName(run[0], data);
                var indices = java.util.stream.IntStream.range(0, env.size(run[1])).boxed().toList();
                var results = new ai.apprentice.eval.EvalRunner(env, run[1], new ai.apprentice.eval.GoldPolicy(), null, null)
                        .run(indices, 1, concurrency, 0, null);
                tasks += results.size();
                ones += (int) results.stream().filter(ai.apprentice.eval.TrialResult::success).count();
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            cli.out().println(Json.object().put("benchmark", "taubench_gold_replay").put("tasks", tasks).put("reward_1", ones)
                    .put("concurrency", concurrency).put("seconds", round(seconds)).put("tasks_per_second", round(tasks / seconds))
                    .put("target_seconds", 60).toPrettyString());
            return ones == tasks ? 0 : 1;
        }
    }

    @Command(name = "env", description = "Environment steps per second under the random policy (an environment's cost next to a model call).")
    static final class EnvSteps implements Callable<Integer> {
        private final CliContext cli;
        @picocli.CommandLine.Parameters(paramLabel = "ENV") String env;
        @Option(names = "--data", paramLabel = "DIR") Path data;
        @Option(names = "--split", defaultValue = "test") String split;
        @Option(names = "--seconds", defaultValue = "5", description = "How long to run (default ${DEFAULT-VALUE}).") int seconds;
        EnvSteps(CliContext cli) { this.cli = cli; }

        @Override
        public Integer call() throws Exception {
            var environment = ai.apprentice.envs.EnvironmentProvider.byName(env, data);
            var policy = new ai.apprentice.eval.RandomPolicy();
            // One second of warm-up first: loading the environment (a shop builds its index) and JIT are not steps.
            play(environment, policy, 1);
            long t0 = System.nanoTime();
            long[] counts = play(environment, policy, seconds);
            long episodes = counts[0];
            long steps = counts[1];
            double elapsed = (System.nanoTime() - t0) / 1e9;
            double setupMs = counts[2] / 1e6 / episodes;
            double rewardMs = counts[3] / 1e6 / episodes;
            double mockCallMs = mockModelCallMs();
            double stepMs = elapsed * 1000 / steps;
            cli.out().println(Json.object().put("benchmark", "env_steps_random").put("env", environment.name()).put("episodes", episodes)
                    .put("steps", steps).put("seconds", round(elapsed)).put("steps_per_second", round(steps / elapsed))
                    .put("steps_per_second_excluding_setup_and_reward", round(steps / (elapsed - (counts[2] + counts[3]) / 1e9)))
                    .put("mean_setup_ms", round(setupMs)).put("mean_reward_ms", round(rewardMs))
                    .put("mean_step_ms", round(stepMs)).put("baseline_local_mock_model_call_ms", round(mockCallMs))
                    .put("step_over_mock_model_call", round(stepMs / mockCallMs))
                    .put("note", "an episode includes its start and its reward; after one second of warm-up. The baseline is the median "
                            + "HTTP round trip of a one-message chat request to a local mock OpenAI-compatible server, a model call that "
                            + "costs no inference at all; a real one takes hundreds of milliseconds or more").toPrettyString());
            return 0;
        }

        /** Median of 200 round trips of a one-message chat request to the mock server, after 50 for warm-up. */
        private static double mockModelCallMs() {
            try (var server = new ai.apprentice.testkit.MockOpenAiServer()) {
                server.fallback(ai.apprentice.testkit.MockReply.text("ok"));
                var client = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1).build();
                String body = "{\"model\":\"mock\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}";
                var times = new java.util.ArrayList<Double>();
                for (int i = 0; i < 250; i++) {
                    double ms = HarnessBench.roundTrip(client, server, body);
                    if (i >= 50) times.add(ms);
                }
                return median(times);
            }
        }

        /** Plays random episodes for about {@code seconds}; returns {episodes, steps, setup nanos, reward nanos}. */
        private long[] play(ai.apprentice.envs.Environment environment, ai.apprentice.eval.RandomPolicy policy, int seconds) throws InterruptedException {
            long steps = 0;
            long episodes = 0;
            long setup = 0;
            long scoring = 0;
            long end = System.nanoTime() + seconds * 1_000_000_000L;
            while (System.nanoTime() < end) {
                int task = (int) (episodes % environment.size(split));
                long t0 = System.nanoTime();
                try (var episode = environment.start(split, task, episodes, new ai.apprentice.envs.ScriptedUser(List.of("Hello.")))) {
                    setup += System.nanoTime() - t0;
                    policy.play(episode, episodes);
                    long t1 = System.nanoTime();
                    episode.reward();
                    scoring += System.nanoTime() - t1;
                    steps += episode.actions();
                }
                episodes++;
            }
            return new long[] {episodes, steps, setup, scoring};
        }
    }

    static double round(double x) {
        return Math.round(x * 1000) / 1000.0;
    }

    @Command(name = "local", description = "Prompt-processing and generation tokens/s of a local GGUF model (default: a generated tiny model), and the provider against llama.cpp direct.")
    static final class Local implements Callable<Integer> {
        private final CliContext cli;
        @Option(names = "--model", paramLabel = "NAME|PATH", description = "A downloaded model or a .gguf file (default: a tiny random-weight model written for the run).") String model;
        @Option(names = "--prompt-tokens", defaultValue = "256", description = "Prompt length (default ${DEFAULT-VALUE}).") int promptTokens;
        @Option(names = "--gen-tokens", defaultValue = "64", description = "Tokens to generate (default ${DEFAULT-VALUE}).") int genTokens;
        @Option(names = "--repeat", defaultValue = "5", description = "Timed repetitions (default ${DEFAULT-VALUE}).") int repeat;
        @Option(names = "--threads", description = "Threads (default: all cores).") Integer threads;

        Local(CliContext cli) { this.cli = cli; }

        @Override
        public Integer call() throws Exception {
            Path tmp = null;
            Path file;
            if (model == null) {
                tmp = Files.createTempDirectory("apprentice-bench-local");
                file = ai.apprentice.local.TinyLlama.write(tmp.resolve("tiny.gguf"), 1);
            } else if (ai.apprentice.local.ModelStore.isPath(model)) {
                file = Path.of(model).toAbsolutePath();
            } else {
                file = cli.harness().models().store().find(model).orElseThrow(() -> new UsageException("No model '" + model + "'; pull it first")).file();
            }
            if (!Files.isRegularFile(file)) throw new UsageException("No such model file: " + file);
            var settings = new ai.apprentice.local.LocalSettings(Math.max(1024, promptTokens + genTokens + 64), threads == null ? 0 : threads,
                    genTokens, 0.8, "auto", 1);
            try (var m = new ai.apprentice.local.LocalModel("local:" + (model == null ? "tiny-generated" : model), file, settings)) {
                cli.out().println(ai.apprentice.local.LocalBench.run(m, promptTokens, genTokens, repeat).toPrettyString());
            } finally {
                if (tmp != null) Trees.deleteTree(tmp);
            }
            return 0;
        }
    }
}
