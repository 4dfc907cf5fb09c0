package ai.apprentice.eval;

import ai.apprentice.envs.Episode;
import ai.apprentice.envs.UserSimulator;
import ai.apprentice.runtime.Agent;
import ai.apprentice.runtime.Counterpart;
import ai.apprentice.runtime.RunIds;
import ai.apprentice.tool.Tool;
import java.util.List;

/**
 * An apprentice agent in the episode: the environment's policy as instructions, its tools, and the episode's
 * user as the run's {@link Counterpart}, so that the whole conversation of a trial is one run (its reward is an
 * event on that run). The run ends when the user stops, the environment ends the episode, or a budget runs out.
 */
public final class AgentPolicy implements Policy {
    /** The agent for an episode, from its instructions, tools and step budget; the policy adds the counterpart. */
    @FunctionalInterface
    public interface Factory {
        Agent.Builder create(String instructions, List<Tool> tools, int maxSteps);
    }

    /** A model chosen per episode (a simulated agent that knows the task's reference actions), or null for the session's. */
    @FunctionalInterface
    public interface EpisodeModel {
        ai.apprentice.model.Model forEpisode(Episode episode, long seed);

        /** With the model the harness chose for this agent (a routed one, say), which a simulation may imitate. */
        default ai.apprentice.model.Model forEpisode(Episode episode, long seed, ai.apprentice.model.Model chosen) {
            return forEpisode(episode, seed);
        }
    }

    private final Factory factory;
    private final EpisodeModel episodeModel;

    public AgentPolicy(Factory factory) {
        this(factory, null);
    }

    /**
     * The same agent with another model per episode: everything else (instructions with their lessons, tools, gate,
     * budget, run store) is what {@code factory} builds. For simulations that must go through the real loop.
     */
    public AgentPolicy(Factory factory, EpisodeModel episodeModel) {
        this.factory = factory;
        this.episodeModel = episodeModel;
    }

    @Override
    public boolean needsUser() {
        return true;
    }

    @Override
    public Spend play(Episode episode, long seed) throws InterruptedException {
        return play(episode, seed, null);
    }

    @Override
    public Spend play(Episode episode, long seed, String runId) throws InterruptedException {
        String first = episode.firstUserMessage();
        if (episode.done() || first.contains(UserSimulator.STOP)) return Spend.NONE;
        var user = new Counterpart() {
            @Override
            public String reply(String answer) throws InterruptedException {
                if (episode.done()) return null;
                var next = episode.reply(answer);
                return episode.done() || next.contains(UserSimulator.STOP) ? null : next;
            }

            @Override
            public boolean over() {
                return episode.done();
            }
        };
        var builder = factory.create(episode.policy(), episode.tools(), episode.maxActions()).counterpart(user);
        if (episodeModel != null) builder.model(episodeModel.forEpisode(episode, seed, builder.model()));
        var agent = builder.build();
        var result = agent.start(runId != null ? runId : RunIds.next(), first, null).await();
        return new Spend(result.usage(), result.costUsd(), result.runId());
    }
}
