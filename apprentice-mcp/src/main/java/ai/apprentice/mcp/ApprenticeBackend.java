package ai.apprentice.mcp;

import java.nio.file.Path;

/** What the apprentice MCP server offers, implemented by whoever hosts it (the CLI, with the real store). */
public interface ApprenticeBackend {
    /** The outcome of a task: the answer (or the error), the run id and its status. */
    record Outcome(String runId, String status, String answer, String error) {}

    /** A run's line back to the caller: progress to report, and how to stop it when the caller cancels. */
    interface Control {
        void progress(String message);

        /** {@code cancel} is run when the client cancels the request (at once, if it already has). */
        void onCancel(Runnable cancel);
    }

    /**
     * A user-invocable skill, offered as an MCP prompt.
     *
     * @param argumentHint  the skill's {@code argument-hint} (e.g. {@code [file]}, {@code add [tag] | remove [tag] | list}), or
     *                      null: what its one argument's values are completed from
     * @param argumentNames the skill's {@code arguments} field (names of its positional arguments), used when it has no hint
     */
    record Prompt(String name, String description, String text, String argumentHint, java.util.List<String> argumentNames) {
        public Prompt {
            argumentNames = argumentNames == null ? java.util.List.of() : java.util.List.copyOf(argumentNames);
        }

        /** A skill that says nothing about its arguments. */
        public Prompt(String name, String description, String text) {
            this(name, description, text, null, java.util.List.of());
        }
    }

    /** Runs {@code task} in {@code workspace} (already confined to the served root). */
    Outcome runTask(String task, Path workspace, String model, Integer maxSteps, Control control) throws Exception;

    /** Recent runs as a JSON array. */
    String listRunsJson(int limit) throws Exception;

    /** One run with its events as JSON; throws {@link IllegalArgumentException} naming the id when there is none. */
    String getRunJson(String id) throws Exception;

    /** Some run ids, newest first, and how many matched in all. */
    record RunIds(java.util.List<String> ids, int total) {}

    /** The run ids that start with {@code prefix} (empty: any), newest first, at most {@code limit}; none by default. */
    default RunIds runIds(String prefix, int limit) throws Exception {
        return new RunIds(java.util.List.of(), 0);
    }

    /** The skills a person may invoke; none by default. */
    default java.util.List<Prompt> prompts() {
        return java.util.List.of();
    }
}
