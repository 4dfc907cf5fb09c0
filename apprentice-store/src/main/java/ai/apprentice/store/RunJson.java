package ai.apprentice.store;

import ai.apprentice.json.Json;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/** The contract shape of a run in JSON: what {@code runs show --json}, {@code runs list --json}, exports, MCP and the server print. */
public final class RunJson {
    private RunJson() {}

    /** A run's identity, status and totals. */
    public static ObjectNode of(RunRecord r) {
        var o = Json.object();
        o.put("id", r.id());
        if (r.parentId() != null) o.put("parent_id", r.parentId());
        o.put("status", r.status().wireName());
        if (r.stopReason() != null) o.put("stop_reason", r.stopReason());
        o.put("task", r.task());
        o.put("model", r.model());
        o.put("workspace", r.workspace());
        o.put("started_at", String.valueOf(r.startedAt()));
        if (r.finishedAt() != null) o.put("finished_at", String.valueOf(r.finishedAt()));
        o.put("steps", r.steps());
        o.putObject("usage").put("input_tokens", r.inputTokens()).put("output_tokens", r.outputTokens());
        o.put("cost_usd", r.costUsd());
        if (r.answer() != null) o.put("answer", r.answer());
        return o;
    }

    /** The shape with the run's latest reward and a summary of people's feedback (null when none). */
    public static ObjectNode of(RunRecord r, RunOutcome outcome) {
        var o = of(r);
        if (outcome.reward() == null) o.putNull("reward");
        else o.putObject("reward").put("value", outcome.reward()).put("source", outcome.rewardSource());
        if (outcome.feedback() == 0) {
            o.putNull("feedback");
        } else {
            var f = o.putObject("feedback").put("count", outcome.feedback()).put("good", outcome.good()).put("bad", outcome.bad());
            if (outcome.meanScore() != null) f.put("mean_score", outcome.meanScore());
            if (outcome.lastCorrection() != null) f.put("last_correction", outcome.lastCorrection());
        }
        return o;
    }

    /** The run with its outcome and its full {@code events} array. */
    public static ObjectNode withEvents(RunStore store, RunRecord run) {
        var o = of(run, store.outcomes(List.of(run.id())).get(run.id()));
        var arr = o.putArray("events");
        store.events(run.id()).forEach(e -> arr.add(Json.MAPPER.valueToTree(e)));
        return o;
    }
}
