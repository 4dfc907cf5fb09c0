package ai.apprentice.testkit;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assertions;

/**
 * A PostgreSQL for tests: the server {@code APPRENTICE_TEST_POSTGRES_URL} names
 * ({@code postgresql://USER@HOST:PORT/DB}, password in {@code PGPASSWORD}), else a throwaway cluster of Debian's
 * PostgreSQL 15 started once per JVM (initdb into a temporary directory, {@code postgres -h 127.0.0.1 -p <free port>
 * -k <dir>}) and stopped at exit. As root (initdb refuses root) the cluster runs as the {@code postgres} user. Each
 * caller gets a database of its own. When no PostgreSQL can be had the test FAILS, saying what is missing: a test
 * that needs PostgreSQL is never skipped.
 */
public final class PostgresFixture {
    /** A database for one test: the URL the stores take, its password, and a JDBC URL for raw checks. */
    public record Db(String url, String user, String password, String jdbcUrl) {
        public Connection connect() throws SQLException {
            return DriverManager.getConnection(jdbcUrl, user, password);
        }
    }

    private record Server(String host, int port, String user, String password, String adminDb) {}

    private static final String BIN = "/usr/lib/postgresql/15/bin";
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static final List<String> CREATED = new ArrayList<>();
    private static Server server;
    private static String failure;

    private PostgresFixture() {}

    /** A new, empty database; fails the test when no PostgreSQL can be had. */
    public static Db newDatabase() {
        var s = server();
        String name = "apprentice_test_" + ProcessHandle.current().pid() + "_" + COUNTER.incrementAndGet();
        try (var c = DriverManager.getConnection(jdbc(s, s.adminDb()), s.user(), s.password()); var st = c.createStatement()) {
            st.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            return Assertions.fail("needs PostgreSQL: cannot create a test database on " + s.host() + ":" + s.port() + ": " + e.getMessage(), e);
        }
        synchronized (CREATED) {
            CREATED.add(name);
        }
        return new Db("postgresql://" + s.user() + "@" + s.host() + ":" + s.port() + "/" + name, s.user(), s.password(), jdbc(s, name));
    }

    private static String jdbc(Server s, String db) {
        return "jdbc:postgresql://" + s.host() + ":" + s.port() + "/" + db;
    }

    private static synchronized Server server() {
        if (server != null) return server;
        if (failure != null) return Assertions.fail(failure);
        try {
            var given = System.getenv("APPRENTICE_TEST_POSTGRES_URL");
            server = given != null && !given.isBlank() ? external(given) : startCluster();
            Runtime.getRuntime().addShutdownHook(new Thread(PostgresFixture::dropCreated));
            return server;
        } catch (Exception e) {
            failure = "needs PostgreSQL: " + e.getMessage();
            return Assertions.fail(failure, e);
        }
    }

    private static Server external(String url) {
        var uri = URI.create(url);
        String user = uri.getUserInfo();
        int port = uri.getPort() == -1 ? 5432 : uri.getPort();
        String db = uri.getPath() == null || uri.getPath().length() <= 1 ? "postgres" : uri.getPath().substring(1);
        return new Server(uri.getHost(), port, user, System.getenv("PGPASSWORD"), db);
    }

    /** Databases made on a server the user gave are dropped at exit; a throwaway cluster goes as a whole. */
    private static void dropCreated() {
        if (System.getenv("APPRENTICE_TEST_POSTGRES_URL") == null) return;
        var s = server;
        try (var c = DriverManager.getConnection(jdbc(s, s.adminDb()), s.user(), s.password()); var st = c.createStatement()) {
            synchronized (CREATED) {
                for (var name : CREATED) st.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
            }
        } catch (SQLException e) {
            System.err.println("could not drop the test databases: " + e.getMessage());
        }
    }

    private static Server startCluster() throws Exception {
        if (!Files.isExecutable(Path.of(BIN, "initdb")) || !Files.isExecutable(Path.of(BIN, "postgres"))) {
            throw new IllegalStateException(BIN + "/initdb and postgres not found: install Debian's PostgreSQL 15 (apt-get install postgresql), "
                    + "or set APPRENTICE_TEST_POSTGRES_URL=postgresql://USER@HOST:PORT/DB with PGPASSWORD");
        }
        boolean root = isRoot();
        removeAbandoned();
        var dir = Files.createTempDirectory("apprentice-pg-");
        Files.writeString(dir.resolve("owner.pid"), String.valueOf(ProcessHandle.current().pid()));
        var data = dir.resolve("data");
        var pwfile = dir.resolve("pw");
        String password = "test-" + Long.toHexString(System.nanoTime());
        Files.writeString(pwfile, password + "\n");
        if (root) { // initdb refuses root: the cluster belongs to the postgres system user, who must own the directory
            run(List.of("chown", "-R", "postgres:postgres", dir.toString()), dir);
        }
        var initdb = new ArrayList<>(asUser(root));
        initdb.addAll(List.of(BIN + "/initdb", "-D", data.toString(), "-U", "apprentice", "--pwfile=" + pwfile, "--auth-host=scram-sha-256",
                "--auth-local=trust", "--no-locale", "--encoding=UTF8", "--no-sync"));
        run(initdb, dir);
        int port;
        try (var socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        var cmd = new ArrayList<>(asUser(root));
        cmd.addAll(List.of(BIN + "/postgres", "-D", data.toString(), "-h", "127.0.0.1", "-p", String.valueOf(port), "-k", dir.toString(),
                "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=300",
                "-c", "shared_buffers=32MB"));
        var log = dir.resolve("postgres.log");
        var process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(process, dir)));
        var s = new Server("127.0.0.1", port, "apprentice", password, "postgres");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try (var c = DriverManager.getConnection(jdbc(s, "postgres"), s.user(), s.password())) {
                return s;
            } catch (SQLException e) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("the test PostgreSQL did not start (" + e.getMessage() + "); its log:\n" + tail(log));
                }
                Thread.sleep(100);
            }
        }
    }

    private static boolean isRoot() throws IOException, InterruptedException {
        var p = new ProcessBuilder("id", "-u").redirectErrorStream(true).start();
        var out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        p.waitFor();
        return out.equals("0");
    }

    /**
     * Clusters of test JVMs that were killed (no shutdown hook ran) would run on forever: a cluster whose owner
     * process is gone is stopped and its directory removed.
     */
    private static void removeAbandoned() {
        var tmp = Path.of(System.getProperty("java.io.tmpdir"));
        try (var dirs = Files.newDirectoryStream(tmp, "apprentice-pg-*")) {
            for (var dir : dirs) {
                try {
                    long owner = Long.parseLong(Files.readString(dir.resolve("owner.pid")).strip());
                    if (ProcessHandle.of(owner).map(ProcessHandle::isAlive).orElse(false)) continue;
                    var pidFile = dir.resolve("data").resolve("postmaster.pid");
                    if (Files.exists(pidFile)) {
                        long postmaster = Long.parseLong(Files.readAllLines(pidFile).getFirst().strip());
                        var handle = ProcessHandle.of(postmaster);
                        if (handle.isPresent() && handle.get().info().command().orElse("").endsWith("/postgres")) {
                            new ProcessBuilder("kill", "-INT", String.valueOf(postmaster)).start().waitFor(5, TimeUnit.SECONDS);
                            handle.get().onExit().get(20, TimeUnit.SECONDS);
                        }
                    }
                    try (var files = Files.walk(dir)) {
                        files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
                    }
                } catch (Exception e) {
                    // not ours, or already going: leave it
                }
            }
        } catch (IOException e) {
            // no temp directory listing: nothing to clean
        }
    }

    /** setpriv executes the command in place (no child left between us and postgres), so signals reach postgres. */
    private static List<String> asUser(boolean root) {
        return root ? List.of("setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--") : List.of();
    }

    private static void run(List<String> cmd, Path dir) throws IOException, InterruptedException {
        var p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        var out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out.strip());
    }

    /** A fast shutdown (SIGINT: connections still open from this JVM are cut), then the directory goes. */
    private static void stop(Process process, Path dir) {
        try {
            new ProcessBuilder("kill", "-INT", String.valueOf(process.pid())).start().waitFor(5, TimeUnit.SECONDS);
            if (!process.waitFor(20, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        } catch (IOException | InterruptedException e) {
            System.err.println("could not stop the test PostgreSQL in " + dir + ": " + e.getMessage());
        }
    }

    private static String tail(Path log) {
        try {
            var lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
