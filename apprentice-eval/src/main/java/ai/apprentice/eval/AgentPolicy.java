package ai.apprentice.eval;

import ai.apprentice.envs.Episode;
import ai.apprentice.model.Message;
import ai.apprentice.model.Usage;
import ai.apprentice.runtime.Agent;
import ai.apprentice.runtime.Event;
import ai.apprentice.runtime.RunIds;
import ai.apprentice.runtime.RunSnapshot;
import ai.apprentice.tool.Tool;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An apprentice agent in the episode: the environment's policy as instructions, its tools, and one run
 * per user turn that continues the conversation; the agent's answer goes to the simulated user.
 */
public final class AgentPolicy implements Policy {
    /** Builds the agent for an episode from its instructions, tools and step budget. */
    @FunctionalInterface
    public interface Factory {
        Agent create(String instructions, List<Tool> tools, int maxSteps);
    }

    private final Factory factory;

    public AgentPolicy(Factory factory) {
        this.factory = factory;
    }

    @Override
    public boolean needsUser() {
        return true;
    }

    @Override
    public Spend play(Episode episode, long seed) throws InterruptedException {
        String userMessage = episode.firstUserMessage();
        List<Message> history = List.of();
        var usage = Usage.ZERO;
        double cost = 0;
        String firstRun = null;
        while (!episode.done() && !userMessage.contains(ai.apprentice.envs.UserSimulator.STOP)) {
            int remaining = episode.maxActions() - episode.actions();
            if (remaining <= 0) break;
            var agent = factory.create(episode.policy(), episode.tools(), remaining);
            var events = new CopyOnWriteArrayList<Event>();
            var runId = RunIds.next();
            if (firstRun == null) firstRun = runId;
            var result = agent.continueConversation(runId, history, userMessage, null, events::add).await();
            usage = usage.plus(result.usage());
            cost += result.costUsd();
            history = new ArrayList<>(RunSnapshot.fromEvents(events).history());
            if (episode.done() || !result.succeeded()) break;
            userMessage = episode.reply(result.answer());
        }
        return new Spend(usage, cost, firstRun);
    }
}
