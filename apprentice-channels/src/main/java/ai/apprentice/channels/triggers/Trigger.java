package ai.apprentice.channels.triggers;

import java.time.Instant;
import java.time.ZoneId;

/**
 * A trigger: a task the agent runs when something happens, in a workspace (relative to the server's root, "" for the
 * root itself). {@code since} is when its definition last changed: a schedule fires only for times after it.
 */
public record Trigger(String name, String task, String workspace, Source source, Instant since, Instant createdAt) {

    /** What starts the task. */
    public sealed interface Source permits Schedule, Webhook, Watch {}

    /** A cron expression (five fields) in a time zone; what happens to a fire that was due while no server ran. */
    public record Schedule(String cron, ZoneId zone, Missed missed) implements Source {}

    /**
     * {@code POST /hooks/NAME}, signed with the secret in the server's environment variable {@code secretEnv}. In
     * GitHub mode, events from GitHub; the answer goes back as a comment with the token in {@code tokenEnv}.
     */
    public record Webhook(String secretEnv, boolean github, String mention, String tokenEnv, String apiUrl) implements Source {}

    /** New or changed regular files under {@code dir} (relative to the workspace). */
    public record Watch(String dir) implements Source {}

    public enum Missed {
        /** After a restart, the latest fire that was missed runs, once. */
        RUN_ONCE,
        /** Missed fires are recorded as skipped. */
        SKIP;

        public String wire() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }

        static Missed parse(String s) {
            for (var m : values()) if (m.wire().equals(s)) return m;
            throw TriggerException.invalid("missed must be run-once or skip, not '" + s + "'");
        }
    }

    public String kind() {
        return switch (source) {
            case Schedule s -> "schedule";
            case Webhook w -> "webhook";
            case Watch w -> "watch";
        };
    }

    /** Where a webhook trigger receives deliveries. */
    public String hookPath() {
        return "/hooks/" + name;
    }

    /** The origin its runs are recorded with. */
    public String origin() {
        return "trigger:" + name;
    }
}
