package ai.apprentice.cli;

import ai.apprentice.temporal.TemporalAccess;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * How every entry point on Temporal (serve, worker, eval, learn, doctor) secures its connection: TLS, a CA bundle,
 * a client certificate (mTLS), a server name, and an API key read from the environment (never from the command line,
 * where other users see it, and never printed).
 */
final class TemporalTlsOptions {
    static final String API_KEY_ENV = "TEMPORAL_API_KEY";

    @Option(names = "--temporal-tls", description = "Connect to Temporal over TLS, trusting the system's CAs (on by any other TLS option or an API key).") boolean tls;
    @Option(names = "--temporal-ca", paramLabel = "FILE", description = "PEM bundle of the CAs to trust for Temporal's certificate, instead of the system's.") Path ca;
    @Option(names = "--temporal-tls-cert", paramLabel = "FILE", description = "PEM client certificate (chain) for mTLS, with --temporal-tls-key.") Path cert;
    @Option(names = "--temporal-tls-key", paramLabel = "FILE", description = "PEM PKCS#8 private key of --temporal-tls-cert.") Path key;
    @Option(names = "--temporal-server-name", paramLabel = "NAME", description = "The name Temporal's certificate must hold (and the TLS authority), instead of the target's host.") String serverName;
    @Option(names = "--temporal-api-key-env", paramLabel = "NAME",
            description = "Environment variable holding a Temporal API key, sent as authorization: Bearer over TLS (default: " + API_KEY_ENV + " when set).") String apiKeyEnv;

    /** Whether any of these was given on the command line (the API key's variable aside). */
    boolean given() {
        return tls || ca != null || cert != null || key != null || serverName != null || apiKeyEnv != null;
    }

    /** The access these options and {@code env} describe; a usage error when a file is missing or a key without its certificate. */
    TemporalAccess access(Map<String, String> env) {
        return access(tls, ca, cert, key, serverName, apiKeyEnv, env);
    }

    private static TemporalAccess access(boolean tls, Path ca, Path cert, Path key, String serverName, String apiKeyEnv, Map<String, String> env) {
        if ((cert == null) != (key == null)) {
            throw new UsageException(cert != null ? "--temporal-tls-cert " + cert + " needs --temporal-tls-key FILE (its private key, PEM PKCS#8)"
                    : "--temporal-tls-key " + key + " needs --temporal-tls-cert FILE (the client certificate, PEM)");
        }
        checkFile("--temporal-ca", ca);
        checkFile("--temporal-tls-cert", cert);
        checkFile("--temporal-tls-key", key);
        if (serverName != null && serverName.isBlank()) throw new UsageException("--temporal-server-name must not be empty");
        var variable = apiKeyEnv != null ? apiKeyEnv : API_KEY_ENV;
        var apiKey = env.get(variable);
        if (apiKeyEnv != null && (apiKey == null || apiKey.isBlank())) {
            throw new UsageException("--temporal-api-key-env " + apiKeyEnv + ": the environment variable " + apiKeyEnv + " is not set");
        }
        return new TemporalAccess(tls, abs(ca), abs(cert), abs(key), serverName, apiKey, "$" + variable);
    }

    private static void checkFile(String option, Path file) {
        if (file == null) return;
        if (!java.nio.file.Files.isRegularFile(file)) throw new UsageException(option + " " + file + ": no such file");
        if (!java.nio.file.Files.isReadable(file)) throw new UsageException(option + " " + file + ": cannot read it");
    }

    private static Path abs(Path p) {
        return p == null ? null : p.toAbsolutePath().normalize();
    }

    /** Into an evaluation's meta, so that 'eval resume' connects the same way: the files and the key's variable, never the key. */
    void record(ObjectNode meta) {
        if (tls) meta.put("temporal_tls", true);
        if (ca != null) meta.put("temporal_ca", abs(ca).toString());
        if (cert != null) meta.put("temporal_tls_cert", abs(cert).toString());
        if (key != null) meta.put("temporal_tls_key", abs(key).toString());
        if (serverName != null) meta.put("temporal_server_name", serverName);
        if (apiKeyEnv != null) meta.put("temporal_api_key_env", apiKeyEnv);
    }

    /** The access an evaluation's meta recorded, with the API key from {@code env} now. */
    static TemporalAccess fromMeta(JsonNode meta, Map<String, String> env) {
        return access(meta.path("temporal_tls").asBoolean(false), path(meta, "temporal_ca"), path(meta, "temporal_tls_cert"), path(meta, "temporal_tls_key"),
                text(meta, "temporal_server_name"), text(meta, "temporal_api_key_env"), env);
    }

    private static Path path(JsonNode meta, String field) {
        var t = text(meta, field);
        return t == null ? null : Path.of(t);
    }

    private static String text(JsonNode meta, String field) {
        return meta.hasNonNull(field) && !meta.get(field).asText().isEmpty() ? meta.get(field).asText() : null;
    }
}
