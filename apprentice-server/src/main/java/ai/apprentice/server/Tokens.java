package ai.apprentice.server;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Bearer tokens for the API. Only a token's SHA-256 is stored, so a copy of the database gives no access; the token
 * itself is shown once, when it is created. Tokens are {@code apt_} and 43 characters of base64url (256 random bits).
 */
public final class Tokens implements AutoCloseable {
    /** A token as listed: never the token itself. */
    public record Info(String id, String name, String createdAt, String lastUsedAt, String revokedAt) {}

    private static final SecureRandom RANDOM = new SecureRandom();
    private final ServerDb db;
    private final java.util.Map<String, Long> lastUseWritten = new java.util.concurrent.ConcurrentHashMap<>();

    private final boolean owned;

    Tokens(ServerDb db) {
        this(db, false);
    }

    private Tokens(ServerDb db, boolean owned) {
        this.db = db;
        this.owned = owned;
    }

    /**
     * The tokens of the server whose state lives in {@code home}, or in the PostgreSQL its {@code store} setting names
     * ({@code env} holds the password), for {@code apprentice serve token ...}, with or without a running server.
     */
    public static Tokens open(java.nio.file.Path home, java.util.Map<String, String> env) {
        return new Tokens(ServerDb.open(home, env, "server", ServerDb.STEPS), true);
    }

    /** The tokens of the server the harness serves with, in the harness's database. */
    public static Tokens open(ai.apprentice.harness.Harness harness) {
        return new Tokens(ServerDb.open(harness), true);
    }

    @Override
    public void close() {
        if (owned) db.close();
    }

    /** A new token named {@code name}; returns the token (shown once) and its id. */
    public String[] create(String name) {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("a token needs a name, e.g. --name ci");
        var bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        var token = "apt_" + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        var id = "tok_" + HexFormat.of().formatHex(sha256Bytes("id:" + token), 0, 6); // from a hash: the id tells nothing of the token
        db.update("INSERT INTO tokens(id, name, sha256, created_at) VALUES (?,?,?,?)", id, name.strip(), sha256(token), ServerDb.now());
        return new String[] {token, id};
    }

    /** Adds a token a person chose ({@code --token}, {@code APPRENTICE_TOKEN}) under {@code name}, unless it is there already. */
    void ensure(String token, String name) {
        if (token.length() < 16) throw new IllegalArgumentException("a server token must be at least 16 characters long");
        if (find(token).isPresent()) return;
        var id = "tok_" + HexFormat.of().formatHex(sha256Bytes(token), 0, 5);
        db.update("INSERT INTO tokens(id, name, sha256, created_at) VALUES (?,?,?,?) ON CONFLICT DO NOTHING", id, name, sha256(token), ServerDb.now());
        db.update("UPDATE tokens SET revoked_at=NULL WHERE sha256=?", sha256(token));
    }

    public List<Info> list() {
        return db.query("SELECT id, name, created_at, last_used_at, revoked_at FROM tokens ORDER BY created_at",
                rs -> new Info(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5)));
    }

    /** Revokes a token by id or name; false when there is none (or it was revoked already). */
    public boolean revoke(String idOrName) {
        return db.update("UPDATE tokens SET revoked_at=? WHERE (id=? OR name=?) AND revoked_at IS NULL", ServerDb.now(), idOrName, idOrName) > 0;
    }

    public boolean any() {
        return !db.query("SELECT 1 FROM tokens WHERE revoked_at IS NULL LIMIT 1", rs -> 1).isEmpty();
    }

    /** The name of the live token whose SHA-256 is {@code sha256}, if any (a web session holds the hash, not the token). */
    Optional<String> verifyHash(String sha256) {
        return db.query("SELECT name FROM tokens WHERE sha256=? AND revoked_at IS NULL", rs -> rs.getString(1), sha256).stream().findFirst();
    }

    /** The name of the live token {@code token} is, if any. Compared by hash: the lookup takes the same path for every guess. */
    public Optional<String> verify(String token) {
        var found = find(token);
        // Looked up every time, so a token revoked from another process stops working at once; last use is written once a minute.
        found.ifPresent(f -> {
            long now = System.currentTimeMillis();
            if (now - lastUseWritten.getOrDefault(f.id(), 0L) > 60_000) {
                lastUseWritten.put(f.id(), now);
                db.update("UPDATE tokens SET last_used_at=? WHERE id=?", ServerDb.now(), f.id());
            }
        });
        return found.filter(f -> f.revokedAt() == null).map(Info::name);
    }

    private Optional<Info> find(String token) {
        return db.query("SELECT id, name, created_at, last_used_at, revoked_at FROM tokens WHERE sha256=?",
                rs -> new Info(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5)), sha256(token)).stream().findFirst();
    }

    static String sha256(String s) {
        return HexFormat.of().formatHex(sha256Bytes(s));
    }

    private static byte[] sha256Bytes(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
