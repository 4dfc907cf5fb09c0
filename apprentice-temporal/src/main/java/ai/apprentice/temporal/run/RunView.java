package ai.apprentice.temporal.run;

/** What the status query answers: the step in progress, what the workflow is doing, and the approval it waits for. */
public record RunView(String runId, int step, String state, Approval waitingFor) {}
