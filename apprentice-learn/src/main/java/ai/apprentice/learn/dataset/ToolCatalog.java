package ai.apprentice.learn.dataset;

import ai.apprentice.envs.Environment;
import ai.apprentice.envs.EnvironmentProvider;
import ai.apprentice.model.ToolSpec;
import ai.apprentice.tool.Tool;
import ai.apprentice.tools.FetchTool;
import ai.apprentice.tools.ShellTool;
import ai.apprentice.tools.StandardTools;
import ai.apprentice.tools.Workspace;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The definitions (name, description, JSON schema) of the tools runs called. The run log records calls, not the
 * tool list the model was given, so an export looks them up here; a tool found nowhere gets a schema inferred from
 * the arguments it was called with (see {@link DatasetExporter}).
 */
@FunctionalInterface
public interface ToolCatalog {
    /** The definition of tool {@code name} as a run of {@code task} had it ({@code task} may be null), or null. */
    ToolSpec find(String task, String name);

    /** This catalog, then {@code next} for what it does not know. */
    default ToolCatalog orElse(ToolCatalog next) {
        return (task, name) -> {
            var spec = find(task, name);
            return spec != null ? spec : next.find(task, name);
        };
    }

    /** Knows no tool: every definition is inferred. */
    static ToolCatalog none() {
        return (task, name) -> null;
    }

    /** These tools, for runs of any task. */
    static ToolCatalog of(Collection<ToolSpec> specs) {
        var byName = new LinkedHashMap<String, ToolSpec>();
        for (var s : specs) byName.putIfAbsent(s.name(), s);
        return (task, name) -> byName.get(name);
    }

    /** An apprentice agent's standard tools in a workspace: files, shell and fetch (MCP servers' tools are not known). */
    static ToolCatalog standardTools() {
        var workspace = new Workspace(Path.of(System.getProperty("java.io.tmpdir")));
        return of(StandardTools.create(workspace, ShellTool.Settings.defaults(), new FetchTool()).stream().map(Tool::spec).toList());
    }

    /**
     * The tools of an environment, for runs rewarded as its tasks ({@code ENV:TASK_ID}): one episode of each
     * environment is started (and closed) to read its tools' definitions. An environment that cannot be created or
     * started here knows no tools. {@code dataDir} is where environments that need data find it (tau-bench's).
     */
    static ToolCatalog environments(Path dataDir) {
        var cache = new ConcurrentHashMap<String, Map<String, ToolSpec>>();
        return (task, name) -> {
            if (task == null || task.indexOf(':') <= 0) return null;
            String env = task.substring(0, task.indexOf(':'));
            return cache.computeIfAbsent(env, e -> EnvironmentTools.read(e, task.substring(e.length() + 1), dataDir)).get(name);
        };
    }

    /** Reads an environment's tool definitions from one of its episodes. */
    final class EnvironmentTools {
        private static final Pattern SPLIT_INDEX = Pattern.compile("(.+)/(\\d+)");

        private EnvironmentTools() {}

        static Map<String, ToolSpec> read(String envName, String taskId, Path dataDir) {
            var out = new LinkedHashMap<String, ToolSpec>();
            try {
                Environment env = EnvironmentProvider.byName(envName, dataDir);
                var m = SPLIT_INDEX.matcher(taskId);
                String split = m.matches() && env.splits().contains(m.group(1)) ? m.group(1) : env.splits().getFirst();
                int index = m.matches() && split.equals(m.group(1)) ? Integer.parseInt(m.group(2)) : 0;
                if (index >= env.size(split)) index = 0;
                try (var episode = env.start(split, index, 0, null)) {
                    for (var t : episode.tools()) out.putIfAbsent(t.name(), t.spec());
                }
            } catch (Exception | LinkageError e) {
                // unknown here, or it cannot start on this machine (no data, no sandbox): its tools are inferred
            }
            return Map.copyOf(out);
        }
    }
}
