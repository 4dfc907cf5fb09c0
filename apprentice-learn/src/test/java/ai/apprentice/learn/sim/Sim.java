package ai.apprentice.learn.sim;

import ai.apprentice.eval.AgentPolicy;
import ai.apprentice.harness.AgentSpec;
import ai.apprentice.harness.Harness;
import ai.apprentice.harness.Session;
import ai.apprentice.model.ChatRequest;
import ai.apprentice.model.ChatResponse;
import ai.apprentice.model.Model;
import ai.apprentice.model.ModelException;
import ai.apprentice.model.ModelListener;
import java.nio.file.Path;
import java.util.Map;

/** The simulated agent wired into the real harness: a session's environment agent with a {@link SimulatedModel} per episode. */
public final class Sim {
    private Sim() {}

    /** A harness in a scratch home that reads no environment variables and no user config. */
    public static Harness harness(Path home) {
        return Harness.builder().home(home).env(Map.of()).build();
    }

    /**
     * A session in {@code workspace} whose own model must never be called: every agent an {@link #policy} builds gets
     * a simulated model instead. Memory is off, so nothing but the instructions reaches the agent.
     */
    public static Session session(Harness harness, Path workspace) {
        var session = harness.session(workspace, Map.of("memory", "off"));
        session.useModel(UNUSED);
        return session;
    }

    /** The environment's agent of {@code session}, played by the simulated agent of {@code world}. */
    public static AgentPolicy policy(Session session, SimWorld world) {
        return policy(session, world, "");
    }

    /** The same with {@code extra} after the environment's policy (as {@code apprentice eval --instructions} adds text). */
    public static AgentPolicy policy(Session session, SimWorld world, String extra) {
        return new AgentPolicy((policy, tools, maxSteps) -> session.builder(
                AgentSpec.environment(world.env(), extra.isBlank() ? policy : policy + "\n\n" + extra, tools, maxSteps, false, false)),
                (episode, seed) -> new SimulatedModel(episode, seed, world));
    }

    /** The environment's agent with the skills index and use_skill (how a skill candidate is gated), simulated. */
    public static AgentPolicy policyWithSkills(Session session, SimWorld world) {
        return new AgentPolicy((policy, tools, maxSteps) -> session.builder(AgentSpec.environment(world.env(), policy, tools, maxSteps, true, false)),
                (episode, seed) -> new SimulatedModel(episode, seed, world));
    }

    /** The same with the skills index on: how a loop that also proposes skills evaluates. */
    public static java.util.function.Function<Session, ai.apprentice.eval.Policy> agentWithSkills(SimWorld world) {
        return s -> policyWithSkills(s, world);
    }

    /** The agent the learning loop and gate evaluate, per session (incumbent or candidate), played by the simulated agent. */
    public static java.util.function.Function<Session, ai.apprentice.eval.Policy> agent(SimWorld world) {
        return s -> policy(s, world);
    }

    /** Lessons as the playbook writes them into instructions ({@code - [L-...] text}). */
    public static String lessons(String... texts) {
        var sb = new StringBuilder("## Lessons learned\nLessons from earlier work, kept because they helped. Follow them where they apply.\n");
        int n = 0;
        for (var t : texts) sb.append("- [L-sim").append(String.format("%03d", ++n)).append("] ").append(t).append('\n');
        return sb.toString().strip();
    }

    private static final Model UNUSED = new Model() {
        @Override
        public String id() {
            return "simulated:unused";
        }

        @Override
        public ChatResponse chat(ChatRequest request, ModelListener listener) {
            throw ModelException.fatal("the session's own model is not used in a simulation: each episode has a simulated agent");
        }
    };
}
