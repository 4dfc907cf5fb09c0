package ai.apprentice.mcp;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;

/**
 * The {@code mcp_servers} section of a config file, edited in place: other keys are kept, the file is
 * replaced atomically, so a failure never leaves it half-written. (YAML comments are not preserved.)
 */
public final class McpConfigFile {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER).enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));

    private McpConfigFile() {}

    @SuppressWarnings("unchecked")
    public static List<McpServerConfig> list(Path file) throws IOException {
        var root = read(file);
        var servers = root.get("mcp_servers");
        if (servers == null || servers.isNull()) return List.of();
        return McpServerConfig.fromConfig(YAML.convertValue(servers, Map.class));
    }

    /** Adds or replaces a server. */
    public static void add(Path file, McpServerConfig server) throws IOException {
        var root = read(file);
        var servers = root.get("mcp_servers") instanceof ObjectNode o ? o : root.putObject("mcp_servers");
        servers.set(server.name(), YAML.valueToTree(server.toConfig()));
        write(file, root);
    }

    /** Removes a server; returns false when there was none by that name. */
    public static boolean remove(Path file, String name) throws IOException {
        var root = read(file);
        if (!(root.get("mcp_servers") instanceof ObjectNode servers) || servers.remove(name) == null) return false;
        write(file, root);
        return true;
    }

    private static ObjectNode read(Path file) throws IOException {
        if (!Files.exists(file)) return YAML.createObjectNode();
        var node = YAML.readTree(file.toFile());
        if (node == null || node.isMissingNode() || node.isNull()) return YAML.createObjectNode();
        if (!(node instanceof ObjectNode o)) throw new IOException(file + " does not hold a mapping of keys");
        return o;
    }

    private static void write(Path file, ObjectNode root) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        var tmp = Files.createTempFile(file.toAbsolutePath().getParent(), ".config", ".yaml.tmp");
        try {
            YAML.writeValue(tmp.toFile(), root);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
