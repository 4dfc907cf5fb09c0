package ai.apprentice.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.pool.HikariPool;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A PostgreSQL database the stores share, from a {@code store:} setting such as
 * {@code postgresql://apprentice@db.internal:5432/apprentice?sslmode=require}, through a small connection pool
 * (HikariCP). The password never appears in the URL, in messages or in {@link #toString()}: it comes from an
 * environment variable ({@code PGPASSWORD}, or the one the setting names). Every failure to connect is a
 * {@link StoreException} that names the setting and says what to do (unreachable, refused password, no such database).
 */
public final class Database implements AutoCloseable {
    /** Query parameters passed on to the JDBC driver; the libpq names people copy from connection strings. */
    private static final Set<String> DRIVER_PARAMETERS = Set.of("sslmode", "sslrootcert", "sslcert", "sslkey",
            "connectTimeout", "connect_timeout", "socketTimeout", "options", "targetServerType", "target_session_attrs",
            "ApplicationName", "application_name", "currentSchema", "tcpKeepAlive", "gssEncMode");
    /** Our own query parameter: the pool's size. */
    private static final String POOL_SIZE = "pool_size";

    private final Url url;
    private final String setting;
    private final HikariDataSource pool;

    /** What a {@code store:} URL says, without any password. */
    public record Url(String user, String host, int port, String database, Map<String, String> parameters, int poolSize) {
        /** The URL as shown to people (it never carries a password). */
        @Override
        public String toString() {
            var q = new StringBuilder();
            parameters.forEach((k, v) -> q.append(q.isEmpty() ? "?" : "&").append(k).append('=').append(v));
            return "postgresql://" + user + "@" + host + ":" + port + "/" + database + q;
        }

        String jdbc() {
            var q = new StringBuilder();
            parameters.forEach((k, v) -> q.append(q.isEmpty() ? "?" : "&").append(k.equals("connect_timeout") ? "connectTimeout"
                    : k.equals("application_name") ? "ApplicationName" : k.equals("target_session_attrs") ? "targetServerType" : k)
                    .append('=').append(java.net.URLEncoder.encode(v, StandardCharsets.UTF_8)));
            String h = host.contains(":") ? "[" + host + "]" : host;
            return "jdbc:postgresql://" + h + ":" + port + "/" + java.net.URLEncoder.encode(database, StandardCharsets.UTF_8) + q;
        }
    }

    /** Whether {@code location} names a PostgreSQL database rather than a file. */
    public static boolean isPostgresql(String location) {
        return location != null && (location.startsWith("postgresql:") || location.startsWith("postgres:"));
    }

    /**
     * Reads a {@code postgresql://USER@HOST[:PORT]/DATABASE[?PARAMS]} URL. {@code setting} names where it came from
     * (a config file's line, an environment variable), for the error.
     *
     * @throws StoreException naming the setting and what is wrong; never echoing a password
     */
    public static Url parse(String location, String setting) {
        URI uri;
        try {
            uri = new URI(location.strip());
        } catch (URISyntaxException e) {
            throw bad(setting, "is not a URL (" + e.getReason() + ")");
        }
        if (uri.getScheme() == null || !Set.of("postgresql", "postgres").contains(uri.getScheme())) {
            throw bad(setting, "must start with postgresql://");
        }
        if (uri.getRawUserInfo() != null && uri.getRawUserInfo().contains(":")) {
            // the URL is shown by doctor and may sit in a config file in a repository: the password goes elsewhere
            throw new StoreException(setting + ": the URL holds a password; remove it from the URL and put it in the environment variable "
                    + "PGPASSWORD (or the one named by store_password_env)");
        }
        if (uri.getHost() == null || uri.getHost().isBlank()) throw bad(setting, "has no host: expected postgresql://USER@HOST:PORT/DATABASE");
        if (uri.getUserInfo() == null || uri.getUserInfo().isBlank()) {
            throw bad(setting, "has no user: expected postgresql://USER@HOST:PORT/DATABASE");
        }
        String path = uri.getPath() == null ? "" : uri.getPath().replaceFirst("^/", "");
        if (path.isBlank() || path.contains("/")) throw bad(setting, "has no database name: expected postgresql://USER@HOST:PORT/DATABASE");
        int port = uri.getPort() == -1 ? 5432 : uri.getPort();
        var params = new LinkedHashMap<String, String>();
        int poolSize = 8;
        if (uri.getRawQuery() != null) {
            for (var pair : uri.getRawQuery().split("&")) {
                if (pair.isEmpty()) continue;
                int eq = pair.indexOf('=');
                String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                if (k.equals("password")) {
                    throw new StoreException(setting + ": the URL holds a password; remove it and put it in the environment variable "
                            + "PGPASSWORD (or the one named by store_password_env)");
                }
                if (k.equals(POOL_SIZE)) {
                    try {
                        poolSize = Integer.parseInt(v);
                    } catch (NumberFormatException e) {
                        poolSize = 0;
                    }
                    if (poolSize < 1 || poolSize > 100) throw bad(setting, "has pool_size=" + v + ": expected a whole number from 1 to 100");
                } else if (DRIVER_PARAMETERS.contains(k)) {
                    params.put(k, v);
                } else {
                    throw bad(setting, "has an unknown parameter '" + k + "'; known: " + POOL_SIZE + ", "
                            + String.join(", ", new java.util.TreeSet<>(DRIVER_PARAMETERS)));
                }
            }
        }
        return new Url(uri.getUserInfo(), uri.getHost(), port, path, Map.copyOf(params), poolSize);
    }

    private static StoreException bad(String setting, String what) {
        return new StoreException(setting + " " + what);
    }

    private Database(Url url, String setting, HikariDataSource pool) {
        this.url = url;
        this.setting = setting;
        this.pool = pool;
    }

    /**
     * Connects to the database {@code location} names, with {@code password} (null: none), and checks that it
     * answers. {@code setting} says where the URL came from, for errors.
     *
     * @throws StoreException when the URL is malformed or the server cannot be reached, refuses the login or lacks the database
     */
    public static Database connect(String location, String password, String setting) {
        var url = parse(location, setting);
        var config = new HikariConfig();
        config.setJdbcUrl(url.jdbc());
        config.setUsername(url.user());
        if (password != null) config.setPassword(password);
        config.setPoolName("apprentice-store");
        config.setMaximumPoolSize(url.poolSize());
        config.setMinimumIdle(Math.min(2, url.poolSize()));
        config.setConnectionTimeout(10_000);
        config.setInitializationFailTimeout(1); // a server that does not answer now is an error now, with its reason
        if (!url.parameters().containsKey("ApplicationName") && !url.parameters().containsKey("application_name")) {
            config.addDataSourceProperty("ApplicationName", "apprentice");
        }
        if (!url.parameters().containsKey("connectTimeout") && !url.parameters().containsKey("connect_timeout")) {
            config.addDataSourceProperty("connectTimeout", "10");
        }
        try {
            return new Database(url, setting, new HikariDataSource(config));
        } catch (HikariPool.PoolInitializationException e) {
            throw new StoreException(explainConnect(url, setting, e.getCause() == null ? e : e.getCause()), e);
        } catch (RuntimeException e) {
            throw new StoreException(setting + ": cannot connect to " + url + ": " + e.getMessage(), e);
        }
    }

    /** A connection from the pool (close it to give it back). */
    public Connection connection() throws SQLException {
        try {
            return pool.getConnection();
        } catch (SQLException e) {
            throw new SQLException(explainConnect(url, setting, e), e.getSQLState(), e);
        }
    }

    public Url url() {
        return url;
    }

    /** Where the URL came from (a config file's line, an environment variable). */
    public String setting() {
        return setting;
    }

    /** Why connecting failed, in words a person can act on; never with the password. */
    static String explainConnect(Url url, String setting, Throwable e) {
        String state = e instanceof SQLException s && s.getSQLState() != null ? s.getSQLState() : "";
        String at = url.host() + ":" + url.port();
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        String what;
        if (state.equals("28P01") || state.equals("28000")) {
            what = "PostgreSQL at " + at + " refused user " + url.user() + " (" + firstLine(e) + "). Check the password in PGPASSWORD "
                    + "(or the variable named by store_password_env) and the server's pg_hba.conf";
        } else if (state.equals("3D000")) {
            what = "the database " + url.database() + " does not exist on " + at + ". Create it: createdb -h " + url.host() + " -p "
                    + url.port() + " -U " + url.user() + " " + url.database();
        } else if (root instanceof java.net.UnknownHostException) {
            what = "the host " + url.host() + " is unknown (no such name). Check the host in the URL";
        } else if (state.startsWith("08") || root instanceof java.net.ConnectException || root instanceof java.net.SocketTimeoutException
                || root instanceof java.net.NoRouteToHostException) {
            what = "cannot reach PostgreSQL at " + at + " (" + firstLine(root) + "). Is the server running, listening on that address "
                    + "(listen_addresses, port), and reachable from this machine?";
        } else {
            what = "cannot connect to PostgreSQL at " + at + ": " + firstLine(e);
        }
        return setting + " (" + url + "): " + what;
    }

    private static String firstLine(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.lines().findFirst().orElse(m);
    }

    /** The error of a statement in words a person can act on (the disk, a lost connection). */
    String explain(SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        if (state.equals("53100")) return "PostgreSQL's disk is full; nothing of this change was stored. Free space on the server and try again";
        if (state.equals("25006")) return "the database is read-only (" + firstLine(e) + ")";
        if (state.startsWith("08")) return "lost the connection to PostgreSQL at " + url.host() + ":" + url.port() + " (" + firstLine(e) + ")";
        return firstLine(e);
    }

    /** The version of each component's schema in this database (empty before any store opened it). */
    public Map<String, Integer> schemaVersions() {
        try (var c = connection(); var st = c.createStatement()) {
            var out = new java.util.TreeMap<String, Integer>();
            try (var rs = st.executeQuery("SELECT to_regclass('" + PgSchema.TABLE + "') IS NOT NULL")) {
                if (!rs.next() || !rs.getBoolean(1)) return out;
            }
            try (var rs = st.executeQuery("SELECT component, version FROM " + PgSchema.TABLE)) {
                while (rs.next()) out.put(rs.getString(1), rs.getInt(2));
            }
            return out;
        } catch (SQLException e) {
            throw new StoreException(setting + ": cannot read the schema versions in " + url + ": " + explain(e), e);
        }
    }

    /** The server's version, as it reports it. */
    public String serverVersion() {
        try (var c = connection()) {
            return c.getMetaData().getDatabaseProductVersion();
        } catch (SQLException e) {
            throw new StoreException(setting + ": " + explain(e), e);
        }
    }

    @Override
    public String toString() {
        return url.toString();
    }

    @Override
    public void close() {
        pool.close();
    }
}
