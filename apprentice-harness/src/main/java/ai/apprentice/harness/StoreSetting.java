package ai.apprentice.harness;

import ai.apprentice.harness.config.ConfigException;
import ai.apprentice.harness.config.ConfigLoader;
import ai.apprentice.store.Database;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where the run store and the memory store live: SQLite files in {@code $APPRENTICE_HOME} (the default, nothing to
 * set), or a PostgreSQL database named by {@code store: postgresql://USER@HOST:PORT/DB} in the user's config.yaml or
 * by {@code APPRENTICE_STORE} (which wins). Read only from the user's file: a workspace's config must not send
 * runs to another server. The password comes from the environment: the variable {@code store_password_env} names,
 * else {@code PGPASSWORD}; it is never part of the URL, a message or a listing.
 *
 * @param url the PostgreSQL URL, or null for SQLite
 * @param source where it was set ("env APPRENTICE_STORE", "config.yaml:3: store"), for errors
 * @param passwordEnv the environment variable the password is read from
 */
public record StoreSetting(String url, String source, String passwordEnv) {
    public static final String ENV = "APPRENTICE_STORE";
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    public boolean postgresql() {
        return url != null;
    }

    /** The setting from the environment and {@code $APPRENTICE_HOME/config.yaml}. */
    public static StoreSetting read(Path home, Map<String, String> env) {
        var file = ConfigLoader.userFile(home);
        String url = null, source = null, passwordEnv = "PGPASSWORD";
        if (Files.isRegularFile(file)) {
            JsonNode root;
            try {
                root = YAML.readTree(file.toFile());
            } catch (IOException e) {
                throw new ConfigException("Cannot read " + file + ": " + e.getMessage(), e); // the config loader reports syntax errors in detail
            }
            if (root != null && root.has("store")) {
                var v = root.get("store");
                if (!v.isTextual() && !v.isNull()) throw new ConfigException(file + ": store: expected sqlite or postgresql://USER@HOST:PORT/DATABASE");
                url = v.isNull() ? null : v.asText();
                source = file + ": store";
            }
            if (root != null && root.has("store_password_env")) {
                var v = root.get("store_password_env");
                if (!v.isTextual() || !v.asText().matches("[A-Za-z_][A-Za-z0-9_]*")) {
                    throw new ConfigException(file + ": store_password_env: expected the name of an environment variable, such as APPRENTICE_DB_PASSWORD");
                }
                passwordEnv = v.asText();
            }
        }
        var fromEnv = env.get(ENV);
        if (fromEnv != null && !fromEnv.isBlank()) {
            url = fromEnv;
            source = "env " + ENV;
        }
        if (url != null && (url.isBlank() || url.strip().equalsIgnoreCase("sqlite"))) url = null;
        if (url != null) Database.parse(url, source); // a malformed URL is an error now, naming where it was set
        return new StoreSetting(url == null ? null : url.strip(), source, passwordEnv);
    }

    /** Connects (PostgreSQL only); the caller closes the pool. */
    public Database connect(Map<String, String> env) {
        String password = env.get(passwordEnv);
        if ((password == null || password.isEmpty()) && !passwordEnv.equals("PGPASSWORD")) {
            throw new ConfigException(source + ": store_password_env names " + passwordEnv + ", which is not set in the environment");
        }
        return Database.connect(url, password == null || password.isEmpty() ? null : password, source);
    }

    /** The URL as shown (never with a password), or the SQLite file. */
    public String shown(Path home) {
        return url == null ? home.resolve("apprentice.db").toString() : Database.parse(url, source).toString();
    }
}
