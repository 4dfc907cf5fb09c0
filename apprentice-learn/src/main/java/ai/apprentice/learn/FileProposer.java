package ai.apprentice.learn;

import ai.apprentice.memory.playbook.Playbook;
import java.util.ArrayDeque;
import java.util.List;

/**
 * Candidates a person wrote, from a file ({@link Proposals}): one goes to the gate per round, in the file's order,
 * and the loop needs no training rollouts for them.
 */
public final class FileProposer implements Reflector {
    private final ArrayDeque<Candidate> queue;

    public FileProposer(List<Candidate> candidates) {
        this.queue = new ArrayDeque<>(candidates);
    }

    @Override
    public Proposal propose(List<Trajectory> batch, Playbook playbook, String scope) {
        return queue.isEmpty() ? new Proposal(List.of(), List.of(), null) : new Proposal(List.of(queue.poll()), List.of(), null);
    }

    @Override
    public boolean readsTrajectories() {
        return false;
    }

    @Override
    public boolean exhausted() {
        return queue.isEmpty();
    }
}
