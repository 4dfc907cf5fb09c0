package ai.apprentice.tool;

import ai.apprentice.model.ToolSpec;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * Something the agent can do: a name, a description, a JSON schema for its arguments and an execute
 * function. Arguments reach {@link #execute} already validated against {@link #parameters()}. Throwing is
 * fine: the runtime turns the exception into an error observation for the model.
 *
 * <p>Define one with {@link Tools#builder(String)} or from annotated methods with {@link Tools#from(Object)}.
 */
public interface Tool {
    String name();

    String description();

    /** JSON schema (an object schema) of the arguments. */
    JsonNode parameters();

    ToolResult execute(JsonNode arguments, ToolContext context) throws Exception;

    /**
     * What running a call twice does, which a durable engine needs when a worker dies after a call started and before
     * its result was stored: whether it may simply run again, runs again knowingly, or must ask a person first.
     */
    enum Effect {
        /** Changes nothing: running it again is harmless. */
        READ_ONLY,
        /** Changes something, but a second run with the same arguments changes nothing more (a write of the same content). */
        IDEMPOTENT,
        /** May repeat its effect when run again (a shell command); it is run again, and the run's events say so. */
        AT_LEAST_ONCE,
        /** Must not run twice (a payment, a message sent): after a crash a person is asked before it runs again. */
        NOT_TWICE
    }

    /** This tool's {@link Effect}; unknown tools are taken to be at-least-once. */
    default Effect effect() {
        return Effect.AT_LEAST_ONCE;
    }

    /** Whether this tool may run at the same time as other calls of the same step. */
    default boolean parallelSafe() {
        return true;
    }

    /**
     * The longest result this tool returns, when it must not be cut by the run's tool-result cap (a skill's
     * instructions, whose middle would otherwise be lost); 0 to use the cap. A tool with its own limit is
     * responsible for keeping to it.
     */
    default int maxResultChars() {
        return 0;
    }

    default ToolSpec spec() {
        return new ToolSpec(name(), description(), parameters());
    }
}
