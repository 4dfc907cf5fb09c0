package ai.apprentice.channels.triggers;

import ai.apprentice.json.Json;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/** A trigger and its fires as JSON: what {@code GET /api/triggers} and {@code apprentice triggers list --json} show. */
public final class TriggerJson {
    private TriggerJson() {}

    /** {@code env} says whether a webhook's secret is set (never what it is). */
    public static ObjectNode of(Trigger t, Optional<TriggerStore.Fire> last, Instant now, Map<String, String> env) {
        var o = Json.object().put("name", t.name()).put("kind", t.kind()).put("task", t.task()).put("workspace", t.workspace())
                .put("origin", t.origin()).put("created_at", t.createdAt().toString()).put("since", t.since().toString());
        switch (t.source()) {
            case Trigger.Schedule s -> {
                o.put("cron", s.cron()).put("zone", s.zone().getId()).put("missed", s.missed().wire());
                try {
                    var cron = CronSchedule.of(s);
                    o.put("description", cron.describe());
                    cron.next(now).ifPresent(n -> o.put("next_fire_at", n.toString()));
                } catch (TriggerException e) {
                    o.put("description", e.getMessage());
                }
            }
            case Trigger.Webhook w -> {
                o.put("path", t.hookPath()).put("secret_env", w.secretEnv()).put("secret_set", env.get(w.secretEnv()) != null).put("github", w.github());
                if (w.github()) o.put("mention", w.mention()).put("token_env", w.tokenEnv()).put("api_url", w.apiUrl());
            }
            case Trigger.Watch w -> o.put("watch", w.dir());
        }
        last.ifPresentOrElse(f -> o.set("last_fire", fire(f)), () -> o.putNull("last_fire"));
        return o;
    }

    public static ObjectNode fire(TriggerStore.Fire f) {
        var o = Json.object().put("key", f.key()).put("source", f.source()).put("fired_at", f.firedAt().toString()).put("status", f.status());
        if (f.runId() != null) o.put("run_id", f.runId());
        if (f.detail() != null) o.put("detail", f.detail());
        if (f.replied() != null) o.put("replied", f.replied());
        return o;
    }
}
