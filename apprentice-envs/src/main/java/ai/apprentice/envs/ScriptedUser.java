package ai.apprentice.envs;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/** A user that says its lines in order and then stops: for tests and for policies that need no dialogue. */
public final class ScriptedUser implements UserSimulator {
    private final Deque<String> lines;

    public ScriptedUser(List<String> lines) {
        this.lines = new ArrayDeque<>(lines);
    }

    @Override
    public String start(String instruction) {
        return lines.isEmpty() ? STOP : lines.poll();
    }

    @Override
    public String reply(String agentMessage) {
        return lines.isEmpty() ? "Thanks, that is all. " + STOP : lines.poll();
    }
}
