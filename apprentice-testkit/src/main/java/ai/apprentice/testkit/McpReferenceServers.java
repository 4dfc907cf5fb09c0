package ai.apprentice.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The official MCP reference servers from the npm registry, for tests: installed once with npm into
 * {@code $APPRENTICE_MCP_NODE_DIR} (default: a versioned folder in the temp directory, shared by all
 * modules), plus {@code flaky-server.mjs}, a small server of ours that can crash and grow new tools.
 */
public final class McpReferenceServers {
    public static final String VERSION = "2026.8.31";
    public static final List<String> PACKAGES = List.of("@modelcontextprotocol/server-everything@" + VERSION,
            "@modelcontextprotocol/server-filesystem@" + VERSION);

    private McpReferenceServers() {}

    /** The folder with the installed servers; without node or npm, or when npm cannot install them, see {@link Requirements}. */
    public static synchronized Path dir() throws IOException, InterruptedException {
        Requirements.node();
        return Requirements.need("the MCP reference servers (npm install " + String.join(" ", PACKAGES) + ")", McpReferenceServers::install);
    }

    private static Path install() throws IOException, InterruptedException {
        var configured = System.getenv("APPRENTICE_MCP_NODE_DIR");
        var dir = (configured != null ? Path.of(configured) : Path.of(System.getProperty("java.io.tmpdir"), "apprentice-mcp-node-" + VERSION))
                .toAbsolutePath();
        if (!Files.exists(dir.resolve("node_modules/@modelcontextprotocol/server-filesystem/dist/index.js"))
                || !Files.exists(dir.resolve("node_modules/@modelcontextprotocol/server-everything/dist/index.js"))) {
            Files.createDirectories(dir);
            Requirements.npm();
            var cmd = new java.util.ArrayList<>(List.of("npm", "install", "--no-audit", "--no-fund", "--prefix", dir.toString()));
            cmd.addAll(PACKAGES);
            var p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            var out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
                throw new IllegalStateException("Could not install the MCP reference servers with npm into " + dir
                        + " (is the npm registry reachable?):\n" + out);
            }
        }
        var flaky = dir.resolve("flaky-server.mjs");
        try (var in = McpReferenceServers.class.getResourceAsStream("/flaky-server.mjs")) {
            var script = in.readAllBytes();
            // It must sit beside node_modules (its imports resolve there); a folder another user installed may be
            // read-only to us, so an up-to-date copy is left as it is.
            if (!Files.exists(flaky) || !java.util.Arrays.equals(Files.readAllBytes(flaky), script)) Files.write(flaky, script);
        }
        return dir;
    }

    /** The entry script of a reference server package, e.g. {@code server-everything}. */
    public static Path entry(String pkg) throws IOException, InterruptedException {
        return dir().resolve("node_modules/@modelcontextprotocol/" + pkg + "/dist/index.js");
    }
}
