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

    /** The gold final state: the starting database with every gold action except terminating ones replayed. */
    public static String goldHash(ObjectNode start, Map<String, RetailTools.Impl> tools, JsonNode task) {
        var db = start.deepCopy();
        for (var action : task.path("actions")) {
            if (action.path("name").asText().equals("transfer_to_human_agents")) continue;
            TauTools.invoke(tools, db, action.path("name").asText(), action.path("kwargs"));
        }
        return PyRepr.hash(db);
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
