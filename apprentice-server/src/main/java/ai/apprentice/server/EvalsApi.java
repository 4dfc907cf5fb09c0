package ai.apprentice.server;

import ai.apprentice.envs.Environment;
import ai.apprentice.envs.EnvironmentProvider;
import ai.apprentice.envs.UserSimulator;
import ai.apprentice.eval.AgentPolicy;
import ai.apprentice.eval.EvalRunner;
import ai.apprentice.eval.GoldPolicy;
import ai.apprentice.eval.Policy;
import ai.apprentice.eval.RandomPolicy;
import ai.apprentice.eval.Report;
import ai.apprentice.eval.Summary;
import ai.apprentice.eval.TrialResult;
import ai.apprentice.harness.AgentSpec;
import ai.apprentice.harness.Harness;
import ai.apprentice.harness.HarnessException;
import ai.apprentice.harness.config.ConfigException;
import ai.apprentice.json.Json;
import ai.apprentice.runtime.RunIds;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Evaluations over HTTP: started in the background as {@code apprentice eval} runs them (the agent under test from
 * the harness, the trials through {@link EvalRunner} into {@code $APPRENTICE_HOME/evals/ID}, so that
 * {@code apprentice eval resume ID} and {@code eval compare} work on them too), their progress read from the trials
 * recorded so far, and their HTML report served under a strict Content-Security-Policy.
 */
final class EvalsApi {
    /** The report has inline styles and SVG, and nothing else: no scripts, no requests, no framing. */
    static final String REPORT_CSP = WebUi.REPORT_CSP;
    static final int MAX_RUNNING = 2;
    private static final java.util.regex.Pattern ID = java.util.regex.Pattern.compile("eval-[0-9A-Za-z-]{1,80}");

    private final Harness harness;
    private final Runs runs;
    private final ServerOptions options;
    /** Evaluations running in this process, by id, with when they started. */
    private final Map<String, Instant> running = new ConcurrentHashMap<>();

    EvalsApi(Harness harness, ServerOptions options, Runs runs) {
        this.harness = harness;
        this.options = options;
        this.runs = runs;
    }

    void routes(RoutesConfig r) {
        r.post("/api/evals", this::start);
        r.get("/api/evals", this::list);
        r.get("/api/evals/{id}", this::get);
        r.get("/api/evals/{id}/report", this::report);
    }

    private Path evals() {
        return harness.home().resolve("evals");
    }

    // ---- starting ----

    private void start(Context ctx) throws IOException {
        var body = Body.of(ctx, Set.of("env", "split", "tasks", "trials", "agent", "model", "user_model", "settings", "concurrency", "seed",
                "workspace", "instructions", "skills", "memory"));
        var envName = body.text("env", true);
        var split = body.text("split", false);
        if (split == null) split = "test";
        var tasks = tasks(body.node("tasks"));
        int k = whole(body, "trials", 1, 1, 100);
        int concurrency = whole(body, "concurrency", 2, 1, 16);
        long seed = whole(body, "seed", 0, 0, Integer.MAX_VALUE);
        var agent = body.text("agent", false);
        if (agent != null && !agent.equals("gold") && !agent.equals("random")) {
            throw ApiException.unprocessable("agent must be gold or random (reference policies), or left out for an apprentice agent with model");
        }
        var instructions = body.text("instructions", false);
        boolean skills = Boolean.TRUE.equals(body.bool("skills", false));
        boolean memory = Boolean.TRUE.equals(body.bool("memory", false));
        var workspace = runs.workspace(body.text("workspace", false));
        var requested = runs.flags(body.text("model", false), body.node("settings"));
        var flags = runs.effective(requested);
        var userModel = body.text("user_model", false);
        if (userModel != null) runs.flags(userModel, null); // the same list of allowed models

        // everything is checked before anything is stored: the environment, the split, the tasks, the agent's settings
        var envRef = environmentRef(envName);
        var dataDir = harness.home().resolve("data/taubench");
        Environment environment;
        List<Integer> indices;
        try {
            environment = EnvironmentProvider.byName(envRef, dataDir);
            // a folder of tasks is text anyone who writes under the root may have written: it may not turn the sandbox off
            if (environment instanceof ai.apprentice.envs.folder.FolderEnvironment folder && folder.runsUnsandboxed()) {
                throw ApiException.forbidden("The folder of tasks " + envName + " sets \"sandbox\": false; over the server its checks and the agent's "
                        + "shell run only in the sandbox. Run it on your own machine with: apprentice eval " + envName);
            }
            if (!environment.splits().contains(split)) {
                throw new IllegalArgumentException(environment.name() + " has no split '" + split + "'; it has " + String.join(", ", environment.splits()));
            }
            indices = parseTasks(tasks, environment.size(split));
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw ApiException.unprocessable(e.getMessage());
        }
        Policy policy;
        Supplier<UserSimulator> users;
        try {
            runs.check(workspace, requested);
            policy = policy(agent, workspace, flags, environment.name(), instructions, skills, memory);
            users = agent != null ? null : users(workspace, flags, userModel, environment);
        } catch (ConfigException | HarnessException e) {
            throw Runs.settingsError(e);
        }
        synchronized (running) {
            if (running.size() >= MAX_RUNNING) {
                throw ApiException.conflict(running.size() + " evaluations are running already (" + String.join(", ", running.keySet()) + "); wait for one to finish");
            }
            String id = "eval-" + RunIds.next();
            // the same meta.json as apprentice eval writes, so that 'apprentice eval resume ID' carries on from the CLI
            var meta = Json.object().put("env", envRef).put("split", split).put("tasks", tasks).put("agent", agent == null ? "" : agent)
                    .put("model", flags.getOrDefault("model", "").toString()).put("user_model", userModel == null ? "" : userModel).put("k", k)
                    .put("concurrency", concurrency).put("seed", seed).put("data", "").put("skills", skills).put("memory", memory)
                    .put("workspace", workspace.toString());
            meta.set("flags", Json.MAPPER.valueToTree(flags));
            if (instructions != null) meta.put("instructions", instructions);
            meta.put("trials_total", indices.size() * k).put("started_at", Instant.now().toString()).put("started_by", (String) ctx.attribute("principal"));
            var folder = evals().resolve(id);
            Files.createDirectories(folder);
            Files.writeString(folder.resolve("meta.json"), meta.toPrettyString());
            running.put(id, Instant.now());
            var env = environment;
            var s = split;
            Thread.ofVirtual().name("eval " + id).start(() -> run(id, folder, env, s, indices, k, concurrency, seed, policy, users, agent));
            ctx.header("Location", "/api/evals/" + id);
            Api.json(ctx, 202, Json.object().put("id", id).put("status", "running").put("trials_total", indices.size() * k));
        }
    }

    private void run(String id, Path folder, Environment environment, String split, List<Integer> indices, int k, int concurrency, long seed,
                     Policy policy, Supplier<UserSimulator> users, String agent) {
        try {
            var results = new EvalRunner(environment, split, policy, users, folder, harness.store()).run(indices, k, concurrency, seed, null);
            var summary = Summary.json(environment.name(), split, results, seed);
            summary.put("id", id);
            summary.put("user_simulator", agent == null ? environment.userSimulator() : "none (" + agent + " policy)");
            Report.write(folder.resolve("report.html"), summary, results);
            Files.writeString(folder.resolve("summary.json"), summary.toPrettyString());
        } catch (Throwable e) {
            var message = harness.store().redact(e.getMessage() == null ? e.toString() : e.getMessage());
            try {
                Files.writeString(folder.resolve("error.txt"), message);
            } catch (IOException ignored) {
                // the folder is gone; nothing left to tell
            }
        } finally {
            running.remove(id);
        }
    }

    /** A built-in environment's name, or a folder of tasks under the server's root (by its absolute path, as eval records it). */
    private String environmentRef(String name) {
        if (EnvironmentProvider.all().stream().anyMatch(p -> p.names().contains(name))) return name;
        if (name.isBlank() || name.indexOf('\0') >= 0) throw ApiException.unprocessable("env must name an environment");
        Path p;
        try {
            p = Path.of(name);
        } catch (java.nio.file.InvalidPathException e) {
            throw ApiException.unprocessable("Unknown environment '" + name + "'");
        }
        var root = options.root().toAbsolutePath().normalize();
        var abs = (p.isAbsolute() ? p : root.resolve(p)).toAbsolutePath().normalize();
        if (!abs.startsWith(root)) throw ApiException.forbidden("The folder of tasks " + name + " is outside the server's root " + root);
        if (!Files.isDirectory(abs)) {
            var known = EnvironmentProvider.all().stream().flatMap(x -> x.names().stream()).sorted().toList();
            throw ApiException.unprocessable("Unknown environment '" + name + "'. Known: " + String.join(", ", known)
                    + "; or a folder of tasks under the server's root");
        }
        try {
            if (!abs.toRealPath().startsWith(root.toRealPath())) throw ApiException.forbidden("The folder of tasks " + name + " leads outside the server's root");
        } catch (IOException e) {
            throw ApiException.unprocessable("Cannot read " + abs + ": " + e.getMessage());
        }
        return abs.toString();
    }

    private Policy policy(String agent, Path workspace, Map<String, Object> flags, String envName, String extra, boolean skills, boolean memory) {
        if ("gold".equals(agent)) return new GoldPolicy();
        if ("random".equals(agent)) return new RandomPolicy();
        var session = harness.session(workspace, flags);
        return new AgentPolicy((policy, tools, maxSteps) -> session.builder(AgentSpec.environment(envName,
                extra == null || extra.isBlank() ? policy : policy + "\n\n" + extra, tools, maxSteps, skills, memory)));
    }

    private Supplier<UserSimulator> users(Path workspace, Map<String, Object> flags, String userModel, Environment environment) {
        var userFlags = new java.util.LinkedHashMap<>(flags);
        if (userModel != null) userFlags.put("model", userModel);
        var model = harness.session(workspace, userFlags).model();
        return () -> environment.user(model);
    }

    /** "0-4,7" or [0, 1, 2] as the CLI's --tasks spec; empty for every task. */
    private static String tasks(JsonNode node) {
        if (node == null || node.isNull()) return "";
        if (node.isTextual()) return node.textValue();
        if (node.isArray()) {
            var parts = new ArrayList<String>();
            for (var n : node) {
                if (!n.canConvertToInt() || !n.isIntegralNumber()) throw ApiException.unprocessable("tasks must be task numbers, got " + n);
                parts.add(String.valueOf(n.intValue()));
            }
            if (parts.isEmpty()) throw ApiException.unprocessable("tasks must not be an empty list; leave it out for every task");
            return String.join(",", parts);
        }
        throw ApiException.unprocessable("tasks must be a list of task numbers or a string like \"0-4,7\", got " + node.getNodeType().name().toLowerCase());
    }

    private static int whole(Body body, String field, int fallback, int min, int max) {
        var v = body.node(field);
        if (v == null || v.isNull()) return fallback;
        if (!v.isIntegralNumber() || !v.canConvertToInt()) throw ApiException.unprocessable(field + " must be a whole number, got " + v);
        int n = v.intValue();
        if (n < min || n > max) throw ApiException.unprocessable(field + " must be between " + min + " and " + max + ", got " + n);
        return n;
    }

    /** "0-49,60" into indices; empty means every task. */
    static List<Integer> parseTasks(String spec, int size) {
        return ai.apprentice.eval.TaskSpec.parse(spec, size, "tasks");
    }

    // ---- reading ----

    private Path folder(String id) {
        if (!ID.matcher(id).matches() || !Files.isRegularFile(evals().resolve(id).resolve("meta.json"))) {
            throw ApiException.notFound("No evaluation " + id + ". See GET /api/evals");
        }
        return evals().resolve(id);
    }

    private void list(Context ctx) throws IOException {
        int limit = Api.intParam(ctx, "limit", 50, 1, 500);
        int offset = Api.intParam(ctx, "offset", 0, 0, Integer.MAX_VALUE);
        List<String> ids = new ArrayList<>();
        if (Files.isDirectory(evals())) {
            try (var dirs = Files.list(evals())) {
                dirs.map(d -> d.getFileName().toString()).filter(n -> ID.matcher(n).matches() && Files.isRegularFile(evals().resolve(n).resolve("meta.json")))
                        .sorted(java.util.Comparator.comparing((String n) -> started(evals().resolve(n))).thenComparing(n -> n).reversed())
                        .forEach(ids::add);
            }
        }
        var o = Json.object();
        var arr = o.putArray("evals");
        var page = ids.stream().skip(offset).limit(limit).toList();
        for (var id : page) arr.add(evalJson(id, evals().resolve(id), false));
        o.put("limit", limit).put("offset", offset);
        if (offset + page.size() < ids.size()) o.put("next_offset", offset + limit);
        else o.putNull("next_offset");
        Api.json(ctx, 200, o);
    }

    /** When an evaluation started: its meta.json is written once, at the start (ids alone order only to the second). */
    private static java.nio.file.attribute.FileTime started(Path folder) {
        try {
            return Files.getLastModifiedTime(folder.resolve("meta.json"));
        } catch (IOException e) {
            return java.nio.file.attribute.FileTime.fromMillis(0);
        }
    }

    private void get(Context ctx) throws IOException {
        var id = ctx.pathParam("id");
        Api.json(ctx, 200, evalJson(id, folder(id), true));
    }

    private String status(String id, Path folder) {
        if (running.containsKey(id)) return "running";
        if (Files.isRegularFile(folder.resolve("summary.json"))) return "succeeded";
        if (Files.isRegularFile(folder.resolve("error.txt"))) return "failed";
        return "interrupted"; // stopped before its summary: 'apprentice eval resume ID' finishes it
    }

    /** An evaluation's settings, status and progress (from the trials recorded so far), with its summary once finished. */
    private ObjectNode evalJson(String id, Path folder, boolean withSummary) throws IOException {
        var status = status(id, folder);
        var meta = Json.tree(Files.readString(folder.resolve("meta.json")));
        var o = Json.object().put("id", id).put("status", status).put("env", meta.path("env").asText()).put("split", meta.path("split").asText("test"))
                .put("agent", meta.path("agent").asText("").isEmpty() ? null : meta.path("agent").asText())
                .put("model", meta.path("model").asText("").isEmpty() ? null : meta.path("model").asText()).put("k", meta.path("k").asInt(1));
        var trials = trials(folder);
        if (meta.has("trials_total")) o.put("trials_total", meta.path("trials_total").asInt());
        else o.putNull("trials_total");
        o.put("trials_done", trials.size()).put("successes", trials.stream().filter(TrialResult::success).count())
                .put("errors", trials.stream().filter(t -> t.error() != null).count())
                .put("input_tokens", trials.stream().mapToLong(TrialResult::inputTokens).sum())
                .put("output_tokens", trials.stream().mapToLong(TrialResult::outputTokens).sum())
                .put("cost_usd", trials.stream().mapToDouble(TrialResult::costUsd).sum());
        if (meta.hasNonNull("started_at")) o.put("started_at", meta.path("started_at").asText());
        else o.putNull("started_at");
        var summary = folder.resolve("summary.json");
        boolean done = status.equals("succeeded");
        if (withSummary) {
            if (done) o.set("summary", Json.tree(Files.readString(summary)));
            else o.putNull("summary");
        }
        if (status.equals("failed")) o.put("error", Files.readString(folder.resolve("error.txt")));
        else o.putNull("error");
        if (done) o.put("report", "/api/evals/" + id + "/report");
        else o.putNull("report");
        return o;
    }

    private static List<TrialResult> trials(Path folder) throws IOException {
        return TrialResult.readAll(folder);
    }

    /** A finished evaluation's report: its stored report.html, else made now from its summary and trials (the CLI runs without --report). */
    static String reportHtml(Path folder) throws IOException {
        var html = folder.resolve("report.html");
        if (Files.isRegularFile(html)) return Files.readString(html);
        return Report.html((ObjectNode) Json.tree(Files.readString(folder.resolve("summary.json"))), trials(folder));
    }

    private void report(Context ctx) throws IOException {
        var id = ctx.pathParam("id");
        var folder = folder(id);
        var status = status(id, folder);
        if (!status.equals("succeeded")) throw ApiException.conflict("Evaluation " + id + " is " + status + "; its report is made when it finishes");
        var html = reportHtml(folder);
        ctx.header("Content-Security-Policy", REPORT_CSP);
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("Referrer-Policy", "no-referrer");
        ctx.status(200).contentType("text/html; charset=utf-8").result(html);
    }
}
