package ai.apprentice.eval;

import ai.apprentice.envs.Environment;
import ai.apprentice.envs.EnvironmentProvider;
import ai.apprentice.envs.UserSimulator;
import ai.apprentice.harness.AgentSpec;
import ai.apprentice.harness.Harness;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * An evaluation as its {@code meta.json} describes it (environment, split, tasks, agent, settings flags, seed), turned
 * into what runs its trials with a {@link Harness}. The CLI uses it for {@code eval} and {@code eval resume}, and a worker
 * of a durable engine for the trials it is handed, so that both build the same agent from the same record.
 */
public final class EvalSetup {
    private EvalSetup() {}

    /** The environment the evaluation names; unknown names and missing data throw {@link IllegalArgumentException}. */
    public static Environment environment(Harness harness, JsonNode meta) {
        var dataDir = meta.path("data").asText().isEmpty() ? harness.home().resolve("data/taubench") : Path.of(meta.path("data").asText());
        return EnvironmentProvider.byName(meta.path("env").asText(), dataDir);
    }

    /** The task indices of {@code --tasks}; a bad spec throws {@link IllegalArgumentException} naming it. */
    public static List<Integer> tasks(JsonNode meta, Environment environment) {
        return TaskSpec.parse(meta.path("tasks").asText(), environment.size(meta.path("split").asText()), "--tasks");
    }

    /** Whether {@code agent} (the {@code --agent} value) names a policy: gold, random, or empty for an apprentice agent. */
    public static boolean knownAgent(String agent) {
        return agent.isEmpty() || agent.equals("gold") || agent.equals("random");
    }

    /** Who plays: a reference policy, or an apprentice agent the harness builds from the recorded flags. */
    public static Policy policy(Harness harness, JsonNode meta, String envName) {
        String agent = meta.path("agent").asText();
        switch (agent) {
            case "gold" -> { return new GoldPolicy(); }
            case "random" -> { return new RandomPolicy(); }
            case "" -> { }
            default -> throw new IllegalArgumentException("Unknown --agent '" + agent + "': use gold or random, or --model PROVIDER:MODEL for an apprentice agent");
        }
        var settings = harness.session(workspace(meta), flags(meta));
        // a learning run's agent under test: the learner's playbook, candidate skill, scopes (a worker evaluates it as the learner would)
        var session = meta.hasNonNull("session") ? settings.withOverlay(meta.get("session"), harness.home().resolve("engine").resolve("skills")) : settings;
        String extra = meta.path("instructions").asText("");
        boolean skills = meta.path("skills").asBoolean(false);
        boolean memory = meta.path("memory").asBoolean(false);
        // The harness builds the agent under test from the same settings as 'run'; the environment decides its
        // policy (the instructions) and its tools.
        return new AgentPolicy((policy, tools, maxSteps) -> session.builder(
                AgentSpec.environment(envName, extra.isBlank() ? policy : policy + "\n\n" + extra, tools, maxSteps, skills, memory)));
    }

    /** The simulated users of an agent's episodes (the environment's own, on the user model); null for reference policies. */
    public static Supplier<UserSimulator> users(Harness harness, JsonNode meta, Environment environment) {
        if (!meta.path("agent").asText().isEmpty()) return null;
        var flags = flags(meta);
        if (!meta.path("user_model").asText().isEmpty()) flags.put("model", meta.path("user_model").asText());
        var model = harness.session(workspace(meta), flags).model();
        return () -> environment.user(model); // the environment's own user: tau-bench's is the reference's
    }

    /** What runs one trial of the evaluation, its rewards recorded in the harness's run store. */
    public static TrialRunner runner(Harness harness, JsonNode meta) {
        var environment = environment(harness, meta);
        return new TrialRunner(environment, meta.path("split").asText(), policy(harness, meta, environment.name()),
                users(harness, meta, environment), harness.store());
    }

    /** The settings flags the evaluation was started with; older evaluations recorded only the model. */
    public static Map<String, Object> flags(JsonNode meta) {
        var flags = new LinkedHashMap<String, Object>();
        meta.path("flags").fields().forEachRemaining(f -> flags.put(f.getKey(), f.getValue().isNumber() ? f.getValue().numberValue()
                : f.getValue().isBoolean() ? f.getValue().booleanValue() : f.getValue().asText()));
        if (!meta.path("model").asText().isEmpty()) flags.putIfAbsent("model", meta.path("model").asText());
        return flags;
    }

    private static Path workspace(JsonNode meta) {
        return meta.path("workspace").asText("").isEmpty() ? Path.of("").toAbsolutePath() : Path.of(meta.path("workspace").asText());
    }
}
