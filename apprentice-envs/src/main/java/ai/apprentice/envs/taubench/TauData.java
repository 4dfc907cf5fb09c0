package ai.apprentice.envs.taubench;

import ai.apprentice.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The public tau-bench data of one domain, read from a directory (never bundled: it is not ours). */
public final class TauData {
    public enum Domain {
        RETAIL("retail", List.of("orders", "products", "users")),
        AIRLINE("airline", List.of("flights", "reservations", "users"));

        final String dir;
        final List<String> files;

        Domain(String dir, List<String> files) {
            this.dir = dir;
            this.files = files;
        }
    }

    private TauData() {}

    /** A fresh copy of the domain's database: {@code {orders, products, users}} or {@code {flights, reservations, users}}. */
    public static ObjectNode load(Path dataDir, Domain domain) {
        var db = Json.object();
        for (var name : domain.files) {
            var file = dataDir.resolve(domain.dir).resolve(name + ".json");
            try {
                db.set(name, Json.MAPPER.readTree(file.toFile()));
            } catch (IOException e) {
                throw new IllegalArgumentException("Cannot read tau-bench data " + file + ": " + e.getMessage()
                        + " (install it with 'apprentice env install taubench' or pass --data DIR)", e);
            }
        }
        return db;
    }

    /** The tasks of a split, e.g. retail test. */
    public static JsonNode tasks(Path dataDir, Domain domain, String split) {
        var file = dataDir.resolve("tasks").resolve(domain.dir + "_" + split + ".json");
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException("No tau-bench tasks at " + file);
        try {
            return Json.MAPPER.readTree(file.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException("Cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
