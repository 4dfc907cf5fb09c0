package ai.apprentice.tools;

import ai.apprentice.tool.Tool;
import ai.apprentice.tool.ToolAlias;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** The standard hands of an agent in a workspace, and the Claude-style aliases that resolve to them. */
public final class StandardTools {
    private StandardTools() {}

    public static List<Tool> create(Workspace workspace, ShellTool.Settings shell, FetchTool fetch) {
        var tools = new ArrayList<>(new FileTools(workspace).all());
        tools.add(new ShellTool(workspace, shell).tool());
        tools.add(fetch.tool());
        return tools;
    }

    /** Read, Write, Edit, Glob, Grep, Bash, WebFetch, with their argument names mapped to ours. */
    public static List<ToolAlias> claudeAliases() {
        return List.of(
                new ToolAlias("Read", "read_file", a -> keep(rename(a, "file_path", "path"), "path", "offset", "limit")),
                new ToolAlias("Write", "write_file", a -> keep(rename(a, "file_path", "path"), "path", "content")),
                new ToolAlias("Edit", "edit_file", a -> keep(rename(a, "file_path", "path"), "path", "old_string", "new_string", "replace_all")),
                new ToolAlias("Glob", "list_files", a -> keep(a, "pattern", "path")),
                new ToolAlias("Grep", "search_files", a -> keep(a, "pattern", "path", "glob")),
                new ToolAlias("Bash", "run_shell", a -> {
                    if (a.has("timeout")) a.put("timeout_seconds", Math.max(1, (a.get("timeout").asLong() + 999) / 1000));
                    return keep(a, "command", "timeout_seconds");
                }),
                new ToolAlias("WebFetch", "fetch_url", a -> keep(a, "url")));
    }

    private static ObjectNode rename(ObjectNode a, String from, String to) {
        if (a.has(from) && !a.has(to)) a.set(to, a.remove(from));
        return a;
    }

    private static ObjectNode keep(ObjectNode a, String... names) {
        a.retain(Set.of(names));
        return a;
    }
}
