package ai.apprentice.channels.triggers;

import java.net.URI;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneId;
import java.util.regex.Pattern;

/**
 * A trigger as someone asks for it (from {@code apprentice triggers add} or {@code POST /api/triggers}): every field
 * optional until {@link #build} checks them all and fills in the defaults. Exactly one of {@code cron},
 * {@code webhook} and {@code watch} says what starts the task.
 */
public record Definition(String name, String task, String workspace, String cron, String tz, String missed, boolean webhook,
                         String secretEnv, boolean github, String mention, String tokenEnv, String apiUrl, String watch) {
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");
    /** A GitHub login or team, as written in a mention. */
    static final Pattern MENTION = Pattern.compile("@?[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:/[A-Za-z0-9_.-]{1,100})?");
    static final int MAX_TASK = 20_000;
    public static final String GENERIC_SECRET_ENV = "APPRENTICE_WEBHOOK_SECRET";
    public static final String GITHUB_SECRET_ENV = "GITHUB_WEBHOOK_SECRET";
    public static final String GITHUB_TOKEN_ENV = "GITHUB_TOKEN";
    public static final String GITHUB_API = "https://api.github.com";
    public static final String DEFAULT_MENTION = "@apprentice";

    /**
     * The trigger this asks for, checked: the name, the task, exactly one source, a cron expression that parses and a
     * zone that exists, environment variable names, and a workspace that lies under {@code root} (kept relative to it).
     *
     * @throws TriggerException 422 for anything wrong, 403 for a workspace outside the root
     */
    public Trigger build(Path root, Instant now) {
        if (name == null || !NAME.matcher(name).matches() || name.equals(".") || name.equals("..")) {
            throw TriggerException.invalid("name must be 1 to 64 of A-Z a-z 0-9 _ . - (it is part of the webhook's URL), not '" + name + "'");
        }
        if (task == null || task.isBlank()) throw TriggerException.invalid("task is required: what the agent should do when the trigger fires");
        if (task.length() > MAX_TASK) throw TriggerException.invalid("task is longer than " + MAX_TASK + " characters");
        int sources = (cron != null ? 1 : 0) + (webhook ? 1 : 0) + (watch != null ? 1 : 0);
        if (sources != 1) throw TriggerException.invalid("give exactly one of cron, webhook and watch (what starts the task)");
        var ws = relativeWorkspace(root, workspace);
        return new Trigger(name, task, ws, source(), now, now);
    }

    private Trigger.Source source() {
        if (cron == null) {
            only("tz", tz, "cron");
            only("missed", missed, "cron");
        }
        if (!webhook) only("secret_env", secretEnv, "webhook");
        if (!webhook && github) throw TriggerException.invalid("github is for a webhook");
        if (!github) {
            only("mention", mention, "GitHub webhook");
            only("token_env", tokenEnv, "GitHub webhook");
            only("api_url", apiUrl, "GitHub webhook");
        }
        if (cron != null) {
            ZoneId zone;
            try {
                zone = tz == null || tz.isBlank() ? ZoneId.systemDefault() : ZoneId.of(tz.strip());
            } catch (DateTimeException e) {
                throw TriggerException.invalid("tz '" + tz + "' is not a time zone (e.g. Europe/Berlin, UTC, America/New_York)");
            }
            var schedule = new Trigger.Schedule(cron.strip(), zone, missed == null ? Trigger.Missed.RUN_ONCE : Trigger.Missed.parse(missed));
            CronSchedule.of(schedule); // parses, and comes some day
            return schedule;
        }
        if (webhook) {
            var secret = envName("secret_env", secretEnv, github ? GITHUB_SECRET_ENV : GENERIC_SECRET_ENV);
            if (!github) return new Trigger.Webhook(secret, false, null, null, null);
            var m = mention == null ? DEFAULT_MENTION : mention.strip();
            if (!MENTION.matcher(m).matches()) throw TriggerException.invalid("mention must be a GitHub login such as @apprentice, not '" + mention + "'");
            return new Trigger.Webhook(secret, true, m.startsWith("@") ? m : "@" + m, envName("token_env", tokenEnv, GITHUB_TOKEN_ENV), apiUrl(apiUrl));
        }
        return new Trigger.Watch(watchDir(watch));
    }

    private static void only(String field, String value, String forWhat) {
        if (value != null && !value.isBlank()) throw TriggerException.invalid(field + " is for a " + forWhat + " trigger");
    }

    private static String envName(String field, String value, String fallback) {
        var v = value == null ? fallback : value.strip();
        if (v.startsWith("$")) v = v.substring(1);
        if (!ENV_NAME.matcher(v).matches()) {
            throw TriggerException.invalid(field + " names an environment variable (such as " + fallback + "), not '" + value
                    + "'; the secret itself is never stored");
        }
        return v;
    }

    private static String apiUrl(String value) {
        if (value == null) return GITHUB_API;
        try {
            var u = URI.create(value.strip());
            if ((u.getScheme().equals("https") || u.getScheme().equals("http")) && u.getHost() != null && u.getRawQuery() == null) {
                var s = u.toString();
                return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
            }
        } catch (IllegalArgumentException | NullPointerException e) {
            // said below
        }
        throw TriggerException.invalid("api_url must be an http(s) URL such as " + GITHUB_API + " or https://github.example.com/api/v3, not '" + value + "'");
    }

    /** The watched folder, relative to the workspace, outside any dot-folder (.git, .apprentice). */
    private static String watchDir(String value) {
        if (value.isBlank() || value.indexOf('\0') >= 0) throw TriggerException.invalid("watch names a folder in the workspace, e.g. inbox");
        var p = Path.of(value.strip()).normalize();
        if (p.isAbsolute() || p.startsWith("..")) throw TriggerException.invalid("watch is a folder inside the workspace, relative to it, not " + value);
        for (var part : p) {
            if (part.toString().startsWith(".") && !part.toString().equals(".")) {
                throw TriggerException.invalid("watch may not be in a dot-folder such as .git or .apprentice: " + value);
            }
        }
        var s = p.toString();
        return s.isEmpty() ? "." : s;
    }

    /**
     * {@code workspace} relative to {@code root}: given relative (to the root) or absolute (under it); "" is the root.
     * The server checks it again, links and all, when a run starts.
     */
    public static String relativeWorkspace(Path root, String workspace) {
        if (workspace == null || workspace.isBlank()) return "";
        if (workspace.indexOf('\0') >= 0) throw TriggerException.invalid("workspace contains a NUL character");
        var r = root.toAbsolutePath().normalize();
        var p = Path.of(workspace.strip());
        var abs = (p.isAbsolute() ? p : r.resolve(p)).normalize();
        if (!abs.startsWith(r)) {
            throw new TriggerException(403, "forbidden", "The workspace " + workspace + " is outside the root " + r + "; give a folder under it");
        }
        var rel = r.relativize(abs);
        for (var part : rel) {
            if (part.toString().startsWith(".")) {
                throw new TriggerException(403, "forbidden", "The workspace " + workspace + " lies in " + part + ", a dot-folder (rules, hooks, skills, git)");
            }
        }
        return rel.toString();
    }
}
