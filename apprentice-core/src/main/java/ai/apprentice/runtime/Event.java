package ai.apprentice.runtime;

import ai.apprentice.model.Message;
import ai.apprentice.model.ToolCall;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.time.Instant;
import java.util.List;

/**
 * The append-only record of what happened in a run. The CLI, the run store, the server and reports all
 * consume this one stream. Serialised as JSON with a {@code type} field; {@code step} is 1-based, 0 outside
 * a step.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
        @JsonSubTypes.Type(value = Event.RunStarted.class, name = "run_started"),
        @JsonSubTypes.Type(value = Event.ModelDelta.class, name = "model_delta"),
        @JsonSubTypes.Type(value = Event.ReasoningDelta.class, name = "reasoning_delta"),
        @JsonSubTypes.Type(value = Event.ModelRetry.class, name = "model_retry"),
        @JsonSubTypes.Type(value = Event.ModelReply.class, name = "model_reply"),
        @JsonSubTypes.Type(value = Event.ToolCallEvent.class, name = "tool_call"),
        @JsonSubTypes.Type(value = Event.ToolRerun.class, name = "tool_rerun"),
        @JsonSubTypes.Type(value = Event.ToolResultEvent.class, name = "tool_result"),
        @JsonSubTypes.Type(value = Event.ToolOutputDelta.class, name = "tool_output_delta"),
        @JsonSubTypes.Type(value = Event.PermissionDecision.class, name = "permission"),
        @JsonSubTypes.Type(value = Event.UsageEvent.class, name = "usage"),
        @JsonSubTypes.Type(value = Event.StepCompleted.class, name = "step_completed"),
        @JsonSubTypes.Type(value = Event.ErrorEvent.class, name = "error"),
        @JsonSubTypes.Type(value = Event.RunResumed.class, name = "run_resumed"),
        @JsonSubTypes.Type(value = Event.Compacted.class, name = "context_compacted"),
        @JsonSubTypes.Type(value = Event.MemoryUpdated.class, name = "memory_updated"),
        @JsonSubTypes.Type(value = Event.MemoryRecalled.class, name = "memory_recalled"),
        @JsonSubTypes.Type(value = Event.RunFinished.class, name = "run_finished"),
        @JsonSubTypes.Type(value = Event.Reward.class, name = "reward"),
        @JsonSubTypes.Type(value = Event.Feedback.class, name = "feedback"),
})
public sealed interface Event {
    String runId();

    Instant at();

    /** The wire name of this event's type. */
    default String type() {
        return getClass().getAnnotation(EventType.class).value();
    }

    /** Whether the run store keeps this event. Stream-only events (text deltas) are not stored. */
    default boolean persistent() {
        return true;
    }

    /** The run began: the task, the model, and the initial history (instructions and task). */
    @EventType("run_started")
    record RunStarted(String runId, Instant at, String task, String model, String parentId, String workspace,
                      List<Message> messages) implements Event {}

    /** A piece of streamed assistant text. Not stored: the full text is in {@link StepCompleted}. */
    @EventType("model_delta")
    record ModelDelta(String runId, Instant at, int step, String text) implements Event {
        @Override public boolean persistent() { return false; }
    }

    /**
     * A piece of the model's streamed reasoning, apart from the answer. Not stored: the full reasoning is kept with
     * the assistant message in {@link StepCompleted}. Chat channels show answers only, never this.
     */
    @EventType("reasoning_delta")
    record ReasoningDelta(String runId, Instant at, int step, String text) implements Event {
        @Override public boolean persistent() { return false; }
    }

    /**
     * Output a tool printed while it runs (a shell command's stdout and stderr, as they come), for a person to watch.
     * Not stored: the output the model gets is in {@link ToolResultEvent}.
     */
    @EventType("tool_output_delta")
    record ToolOutputDelta(String runId, Instant at, int step, String callId, String text) implements Event {
        @Override public boolean persistent() { return false; }
    }

    /**
     * A model call failed and will be retried after {@code waitMs}. The text streamed so far in this step belongs
     * to the failed attempt: a listener that shows deltas drops the last {@code discardChars} characters it
     * received for this step (0 in records written before this field existed), and the retry streams afresh.
     */
    @EventType("model_retry")
    record ModelRetry(String runId, Instant at, int step, int attempt, long waitMs, String reason, int discardChars)
            implements Event {
        public ModelRetry(String runId, Instant at, int step, int attempt, long waitMs, String reason) {
            this(runId, at, step, attempt, waitMs, reason, 0);
        }
    }

    /**
     * The model's reply of a step, as it goes into the history (tool calls with their ids), stored as soon as the call
     * returned: a step carried out in parts (a durable engine's activities) reads it back instead of calling again.
     */
    @EventType("model_reply")
    record ModelReply(String runId, Instant at, int step, Message message) implements Event {}

    /**
     * A tool call that had started before its worker stopped, and whose result was never stored, is run again:
     * {@code effect} is the tool's (at_least_once: its effect may now have happened twice).
     */
    @EventType("tool_rerun")
    record ToolRerun(String runId, Instant at, int step, String callId, String name, String effect) implements Event {}

    @EventType("tool_call")
    record ToolCallEvent(String runId, Instant at, int step, ToolCall call) implements Event {}

    @EventType("tool_result")
    record ToolResultEvent(String runId, Instant at, int step, String callId, String name, String content,
                           boolean error, long durationMs) implements Event {}

    /** Whether a tool call was allowed to run, and who or which rule decided. */
    @EventType("permission")
    record PermissionDecision(String runId, Instant at, int step, String callId, String tool, boolean allowed,
                              String decidedBy, String reason) implements Event {}

    /**
     * Tokens and cost of one model call, and the run's totals so far, which include what its child runs spent.
     * {@code estimated}: the provider reported no usage, so the tokens were counted locally. The cache and reasoning
     * counts are the parts of the input and output the provider reported as such (0 in older records);
     * {@code unpriced}: the price table has no price for the model, so {@code costUsd} is 0 for want of a price, not free.
     */
    @EventType("usage")
    record UsageEvent(String runId, Instant at, int step, long inputTokens, long outputTokens, double costUsd,
                      long totalInputTokens, long totalOutputTokens, double totalCostUsd, boolean estimated,
                      long cacheReadTokens, long cacheWriteTokens, long reasoningTokens, boolean unpriced)
            implements Event {
        public UsageEvent(String runId, Instant at, int step, long inputTokens, long outputTokens, double costUsd,
                          long totalInputTokens, long totalOutputTokens, double totalCostUsd, boolean estimated) {
            this(runId, at, step, inputTokens, outputTokens, costUsd, totalInputTokens, totalOutputTokens, totalCostUsd, estimated,
                    0, 0, 0, false);
        }

        public UsageEvent(String runId, Instant at, int step, long inputTokens, long outputTokens, double costUsd,
                          long totalInputTokens, long totalOutputTokens, double totalCostUsd) {
            this(runId, at, step, inputTokens, outputTokens, costUsd, totalInputTokens, totalOutputTokens, totalCostUsd, false);
        }
    }

    /**
     * A step is done: the messages it added to the history (the assistant message and the tool results, in
     * order). Replaying these rebuilds the history exactly; resume relies on it.
     */
    @EventType("step_completed")
    record StepCompleted(String runId, Instant at, int step, List<Message> messages) implements Event {}

    @EventType("error")
    record ErrorEvent(String runId, Instant at, int step, String message) implements Event {}

    /** A stopped run was picked up again after {@code fromStep} completed steps. */
    @EventType("run_resumed")
    record RunResumed(String runId, Instant at, int fromStep) implements Event {}

    /**
     * The history neared the context window and was shrunk before the next model call: {@code elided} old tool
     * results became references, and {@code summarised} old messages became one summary (0 when references sufficed).
     */
    @EventType("context_compacted")
    record Compacted(String runId, Instant at, int step, int tokensBefore, int tokensAfter, int window, int elided,
                     int summarised) implements Event {}

    /**
     * Long-term memories were put in the context of this run's model calls (not in its history): which ones, so that
     * the log says what the model saw, and learning can tell which memories helped.
     */
    @EventType("memory_recalled")
    record MemoryRecalled(String runId, Instant at, int step, List<String> memoryIds, List<String> texts) implements Event {}

    /** After the run, memories were stored from it, as one batch that {@code apprentice memory undo BATCH} reverses. */
    @EventType("memory_updated")
    record MemoryUpdated(String runId, Instant at, String batch, List<String> memoryIds, List<String> texts) implements Event {}

    /**
     * The run ended. {@code stopReason} says why: completed, max_steps, max_tokens, max_cost, timeout, cancelled,
     * model_error. The totals include what its child runs spent.
     */
    @EventType("run_finished")
    record RunFinished(String runId, Instant at, RunStatus status, String stopReason, String answer, int steps,
                       long inputTokens, long outputTokens, double costUsd) implements Event {}

    /**
     * How well a run did, as a number in [0,1], attached at any time after it (a learning loop reads these).
     * {@code source} says who judged: {@code environment} (a task's checker), {@code person}, or {@code rule}.
     * {@code task} names the task when the run was one ({@code ENV:TASK_ID} for an environment's): runs of one task
     * are what a learning loop pairs and splits by.
     */
    @EventType("reward")
    record Reward(String runId, Instant at, double value, String source, String explanation, String task) implements Event {
        public Reward {
            if (!(value >= 0 && value <= 1)) throw new IllegalArgumentException("reward value must be between 0 and 1, got " + value);
            if (!List.of("environment", "person", "rule").contains(source)) {
                throw new IllegalArgumentException("reward source must be environment, person or rule, got " + source);
            }
        }

        /** A reward of a run that is not one of an environment's tasks. */
        public Reward(String runId, Instant at, double value, String source, String explanation) {
            this(runId, at, value, source, explanation, null);
        }
    }

    /**
     * A judgement of a run, attached at any time after it: a rating ({@code good}/{@code bad}), a score in [0,1],
     * and/or a correction in words; at least one. {@code path} and {@code diff} are set when the feedback is a
     * detected correction: a person changed a file the run wrote (the diff goes from the agent's version to theirs).
     */
    @EventType("feedback")
    record Feedback(String runId, Instant at, String rating, Double score, String correction, String author,
                    String path, String diff) implements Event {
        public Feedback {
            if (rating != null && !rating.equals("good") && !rating.equals("bad")) {
                throw new IllegalArgumentException("rating must be good or bad, got " + rating);
            }
            if (score != null && !(score >= 0 && score <= 1)) throw new IllegalArgumentException("score must be between 0 and 1, got " + score);
            if (rating == null && score == null && (correction == null || correction.isBlank())) {
                throw new IllegalArgumentException("feedback needs a rating, a score or a correction");
            }
        }

        /** A person's feedback, now; a blank note counts as none. The messages are meant for the command line. */
        public static Feedback of(String runId, String rating, Double score, String note, String author) {
            String correction = note == null || note.isBlank() ? null : note.strip();
            if (rating == null && score == null && correction == null) throw new IllegalArgumentException("give --good, --bad, --score or a note");
            return new Feedback(runId, Instant.now(), rating, score, correction, author, null, null);
        }
    }
}
