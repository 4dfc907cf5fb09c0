package ai.apprentice.temporal.run;

import ai.apprentice.harness.Harness;
import ai.apprentice.runtime.Agent;
import ai.apprentice.store.RunStore;
import ai.apprentice.tools.PolicyGate;
import java.nio.file.Path;

/** A worker's agents from the harness: each run's workspace settings with the run's flags, as {@code apprentice run}. */
public final class HarnessAgents implements RunAgents {
    private final Harness harness;

    public HarnessAgents(Harness harness) {
        this.harness = harness;
    }

    @Override
    public Agent agent(RunInput run, PolicyGate.Approver approver) {
        return harness.session(Path.of(run.workspace()), run.flags()).useApprover(approver).agent();
    }

    @Override
    public RunStore store() {
        return harness.store();
    }
}
