package ai.apprentice.envs;

/** Plays the customer: opens the conversation and answers the agent. "###STOP###" in a reply ends the episode. */
public interface UserSimulator {
    String STOP = "###STOP###";

    String start(String instruction) throws InterruptedException;

    String reply(String agentMessage) throws InterruptedException;
}
