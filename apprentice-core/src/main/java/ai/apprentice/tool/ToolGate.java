package ai.apprentice.tool;

import ai.apprentice.model.ToolCall;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * Decides whether a tool call may run: permission rules, a person's approval, or both. Consulted after the
 * arguments are validated and before the tool runs; every decision becomes a {@code permission} event.
 */
@FunctionalInterface
public interface ToolGate {
    /** What was decided, by whom or which rule, and why. */
    record Decision(boolean allowed, String decidedBy, String reason) {
        public static Decision allow(String decidedBy, String reason) {
            return new Decision(true, decidedBy, reason);
        }

        public static Decision deny(String decidedBy, String reason) {
            return new Decision(false, decidedBy, reason);
        }
    }

    /** Lets everything through, recording nothing: the default for library use. */
    ToolGate ALLOW_ALL = (call, args, context) -> null;

    /** Returns a decision, or null when this gate has nothing to say (allowed, not recorded). */
    Decision check(ToolCall call, JsonNode arguments, ToolContext context) throws InterruptedException;

    /**
     * A call this gate allowed earlier in the run, told when the run is rebuilt from its events (a resumed run, a
     * durable engine's next part in another process): what the gate learned from it must hold again here (a
     * secret-looking file read limits fetch_url), or rebuilding a run would widen what it may do. Default: nothing.
     */
    default void allowedBefore(ToolCall call, ToolContext context) {}

    /**
     * Whether a call of a tool that must not run twice may run again: it started before a crash and its result was
     * never stored, so it may or may not have had its effect. A gate that can ask a person does so; this default,
     * with nobody to ask, refuses.
     */
    default Decision recheck(ToolCall call, JsonNode arguments, ToolContext context) throws InterruptedException {
        return Decision.deny("not_twice", call.name() + " started before a crash and must not run twice; nobody can be asked here");
    }
}
