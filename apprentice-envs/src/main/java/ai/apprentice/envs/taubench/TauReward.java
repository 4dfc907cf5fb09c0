package ai.apprentice.envs.taubench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * tau-bench's outcome reward, white-box: the agent's final database must hash like the gold actions'
 * final database, and every required output must appear in some message the agent sent the user
 * (case-insensitive, commas removed from the message). The result says which check failed and why.
 */
public final class TauReward {
    /** The reward and the explanation: which checks passed, which failed. */
    public record Result(double reward, boolean hashMatch, List<String> missingOutputs, String agentHash, String goldHash) {
        public String explanation() {
            if (reward == 1.0) return "database matches the gold final state; all required outputs were given";
            var sb = new StringBuilder();
            if (!hashMatch) sb.append("final database differs from the gold final state (").append(agentHash, 0, 12)
                    .append(" vs ").append(goldHash, 0, 12).append(")");
            if (!missingOutputs.isEmpty()) {
                if (!sb.isEmpty()) sb.append("; ");
                sb.append("required outputs never said to the user: ").append(missingOutputs);
            }
            return sb.toString();
        }
    }

    private TauReward() {}

    /** The hash of the gold final state ({@link #goldDb}). */
    public static String goldHash(ObjectNode start, Map<String, RetailTools.Impl> tools, JsonNode task) {
        return PyRepr.hash(goldDb(start, tools, task));
    }

    /** The gold final state: the starting database with every gold action except terminating ones replayed. */
    public static ObjectNode goldDb(ObjectNode start, Map<String, RetailTools.Impl> tools, JsonNode task) {
        var db = start.deepCopy();
        for (var action : task.path("actions")) {
            if (action.path("name").asText().equals("transfer_to_human_agents")) continue;
            TauTools.invoke(tools, db, action.path("name").asText(), action.path("kwargs"));
        }
        return db;
    }

    /** Rows shown at most in an explanation; the rest are counted. */
    private static final int SHOWN_ROWS = 5;

    /**
     * Which rows of the agent's database differ from the gold one, as {@code table/key}, each with the fields that
     * differ (the agent's value, then the gold one), or "only in the agent's" / "only in the gold" for a row one lacks.
     */
    public static String differences(JsonNode agent, JsonNode gold) {
        var rows = new ArrayList<String>();
        var tables = new java.util.TreeSet<String>();
        agent.fieldNames().forEachRemaining(tables::add);
        gold.fieldNames().forEachRemaining(tables::add);
        for (var table : tables) {
            var a = agent.path(table);
            var g = gold.path(table);
            if (!a.isObject() || !g.isObject()) {
                if (!a.equals(g)) rows.add(table);
                continue;
            }
            var keys = new java.util.TreeSet<String>();
            a.fieldNames().forEachRemaining(keys::add);
            g.fieldNames().forEachRemaining(keys::add);
            for (var key : keys) {
                var ar = a.get(key);
                var gr = g.get(key);
                if (ar == null) rows.add(table + "/" + key + " only in the gold state");
                else if (gr == null) rows.add(table + "/" + key + " only in the agent's");
                else if (!ar.equals(gr)) rows.add(table + "/" + key + " (" + fields(ar, gr) + ")");
            }
        }
        if (rows.isEmpty()) return "no row differs (the difference is in the order of entries)";
        var shown = String.join("; ", rows.subList(0, Math.min(SHOWN_ROWS, rows.size())));
        return (rows.size() == 1 ? "1 row differs: " : rows.size() + " rows differ: ") + shown
                + (rows.size() > SHOWN_ROWS ? "; and " + (rows.size() - SHOWN_ROWS) + " more" : "");
    }

    /** The fields of two versions of a row that differ, nested ones by dotted path: {@code name: agent's vs gold}, values cut short. */
    private static String fields(JsonNode agent, JsonNode gold) {
        var out = new ArrayList<String>();
        fields("", agent, gold, out);
        return String.join(", ", out);
    }

    private static void fields(String path, JsonNode agent, JsonNode gold, List<String> out) {
        if (agent != null && gold != null && agent.isObject() && gold.isObject()) {
            var names = new java.util.TreeSet<String>();
            agent.fieldNames().forEachRemaining(names::add);
            gold.fieldNames().forEachRemaining(names::add);
            for (var n : names) {
                var x = agent.get(n);
                var y = gold.get(n);
                if (x == null ? y != null : !x.equals(y)) fields(path.isEmpty() ? n : path + "." + n, x, y, out);
            }
        } else {
            out.add((path.isEmpty() ? "" : path + ": ") + brief(agent) + " vs gold " + brief(gold));
        }
    }

    private static String brief(JsonNode n) {
        if (n == null) return "(none)";
        var s = n.toString();
        return s.length() <= 80 ? s : s.substring(0, 79) + "…";
    }

    public static Result score(ObjectNode agentDb, String goldHash, JsonNode task, List<String> messagesToUser) {
        String agentHash = PyRepr.hash(agentDb);
        boolean match = agentHash.equals(goldHash);
        var missing = new ArrayList<String>();
        for (var output : task.path("outputs")) {
            String want = output.asText().toLowerCase(Locale.ROOT);
            boolean said = messagesToUser.stream().anyMatch(m -> m.toLowerCase(Locale.ROOT).replace(",", "").contains(want));
            if (!said) missing.add(output.asText());
        }
        return new Result(match && missing.isEmpty() ? 1.0 : 0.0, match, missing, agentHash, goldHash);
    }
}
