package ai.apprentice.temporal.run;

import ai.apprentice.runtime.Agent;
import ai.apprentice.store.RunStore;
import ai.apprentice.tools.PolicyGate;

/**
 * Where a worker gets a run's agent and its run store. {@link HarnessAgents} is the real one (the same assembly as
 * {@code apprentice run}); the agent's listeners must store its events in {@link #store()}.
 */
public interface RunAgents {
    /** The agent for a run; {@code approver} answers its ask-mode questions (the workflow's approval signals). */
    Agent agent(RunInput run, PolicyGate.Approver approver);

    RunStore store();
}
