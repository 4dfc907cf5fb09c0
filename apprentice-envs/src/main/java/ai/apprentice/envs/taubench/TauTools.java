package ai.apprentice.envs.taubench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/** Calls a tau-bench tool on a database the way the reference's environment step does. */
public final class TauTools {
    private TauTools() {}

    public static Map<String, RetailTools.Impl> retail() {
        return RetailTools.TOOLS;
    }

    public static Map<String, RetailTools.Impl> airline() {
        return AirlineTools.TOOLS;
    }

    /** The observation of one call: the tool's answer, "Error: ..." when it refused, or "Unknown action NAME". */
    public static String invoke(Map<String, RetailTools.Impl> tools, ObjectNode db, String name, JsonNode args) {
        var tool = tools.get(name);
        if (tool == null) return "Unknown action " + name;
        try {
            return tool.call(db, args);
        } catch (ToolError e) {
            return "Error: " + e.getMessage();
        } catch (RuntimeException e) {
            return "Error: " + e.getMessage();
        }
    }
}
