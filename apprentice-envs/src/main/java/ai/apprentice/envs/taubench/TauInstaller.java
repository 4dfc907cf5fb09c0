package ai.apprentice.envs.taubench;

import ai.apprentice.json.Json;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;

/**
 * {@code apprentice env install taubench}: downloads the data files of a pinned upstream tau-bench commit,
 * checks each file's SHA-256, converts the Python task files to JSON and the simulated user's code to
 * {@code user_simulator.md} (its prompt template), and only then moves the finished
 * folder into place, so a failed or interrupted install leaves nothing half-written.
 */
public final class TauInstaller {
    /** One upstream file: where it is under the base URL, where it goes, and its expected SHA-256. */
    public record Entry(String upstream, String local, String sha256) {}

    public static final String COMMIT = "59a200c6d575d595120f1cb70fea53cef0632f6b";
    public static final String BASE_URL = "https://raw.githubusercontent.com/sierra-research/tau-bench/" + COMMIT + "/tau_bench/envs/";
    public static final List<Entry> FILES = List.of(
            new Entry("retail/data/orders.json", "retail/orders.json", "2598a12586d28f2d6bd16bc86f4c800029b6af18e0abb5c475ef5c869c11ced1"),
            new Entry("retail/data/products.json", "retail/products.json", "a9eabcc1a9742c5f5288c2779acce52b9308423383ed24706bbaf0889f762a0f"),
            new Entry("retail/data/users.json", "retail/users.json", "6f4fd104cc5e80b92166c4035315c31532c6cea52a90dcdf18425ee7f87c2b82"),
            new Entry("retail/wiki.md", "retail/wiki.md", "d539fd2a46a8b8dd2e934ff9ed92f43e9f6b56bc7a718db8d2803ba8ad8f6bf7"),
            new Entry("retail/tasks_test.py", "tasks/retail_test.json", "6f09468923c6cfb6162e94fe659264d6aee70816c18d51278fb4a581db7765a4"),
            new Entry("retail/tasks_train.py", "tasks/retail_train.json", "30880ce4e8d524dd0fdd18c1d3a5713551fc8638e82673de3e0fd1ab70046c6f"),
            new Entry("retail/tasks_dev.py", "tasks/retail_dev.json", "87dfe578d0271e7b0b5dfb40621a5c0dcc0e8452a75b8f3f8d1dcf0abac4ff14"),
            new Entry("airline/data/flights.json", "airline/flights.json", "444d7565c68434a3e3fb72efd717f9f9cd5c56dce227f6f56e078f1cb0ed233a"),
            new Entry("airline/data/reservations.json", "airline/reservations.json", "1cf0bbc58ad984be9de7c24dba6dd27393f94cdbd482d8524f6a54db1f561a8c"),
            new Entry("airline/data/users.json", "airline/users.json", "bd264e2a31e0fa35cdfef8987e70a0dd3776828b582fe90e7a44823a12eb4cea"),
            new Entry("airline/wiki.md", "airline/wiki.md", "56c335801c16e26b54f600f9db99eb04d31db477e86eb160341d5c66b796c5c8"),
            new Entry("airline/tasks_test.py", "tasks/airline_test.json", "14cdb6b4fe810faac9a0cc8395d3c7b32c883a979d1cde8c8003ae25a93d2ff3"),
            // The simulated user's prompt lives in code; its template is extracted into user_simulator.md.
            new Entry("user.py", UserTemplate.FILE, "ab24eeed85e6261eb2f45420432d84a390cc39b82fc5910b8a4ccd3cee36f07e"));

    private final String baseUrl;
    private final List<Entry> files;
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
            .connectTimeout(Duration.ofSeconds(20)).build();

    public TauInstaller(String baseUrl, List<Entry> files) {
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl : baseUrl + "/";
        this.files = files;
    }

    /** Installs into {@code target} (replacing an older install only when every file checked out). */
    public void install(Path target, PrintStream progress) throws IOException, InterruptedException {
        var parent = target.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        var tmp = Files.createTempDirectory(parent, ".taubench-install");
        try {
            int i = 0;
            for (var f : files) {
                progress.printf("[%d/%d] %s%n", ++i, files.size(), f.upstream());
                byte[] bytes = download(baseUrl + f.upstream());
                String sha = sha256(bytes);
                if (!sha.equals(f.sha256())) {
                    throw new IOException("SHA-256 of " + f.upstream() + " is " + sha + ", expected " + f.sha256()
                            + " (pinned commit " + COMMIT.substring(0, 7) + "); nothing was installed");
                }
                var out = tmp.resolve(f.local());
                Files.createDirectories(out.getParent());
                if (f.local().equals(UserTemplate.FILE)) {
                    try {
                        var template = UserTemplate.fromPython(new String(bytes, java.nio.charset.StandardCharsets.UTF_8));
                        Files.writeString(out, UserTemplate.markdown(template, "tau_bench/envs/" + f.upstream() + " at commit " + COMMIT));
                    } catch (IllegalArgumentException e) {
                        throw new IOException("Cannot read the user template in " + f.upstream() + ": " + e.getMessage(), e);
                    }
                } else if (f.upstream().endsWith(".py")) {
                    try {
                        Files.writeString(out, Json.MAPPER.writerWithDefaultPrettyPrinter()
                                .writeValueAsString(PythonLiterals.firstList(new String(bytes, java.nio.charset.StandardCharsets.UTF_8))));
                    } catch (IllegalArgumentException e) {
                        throw new IOException("Cannot read the tasks in " + f.upstream() + ": " + e.getMessage(), e);
                    }
                } else {
                    Files.write(out, bytes);
                }
            }
            if (Files.exists(target)) deleteTree(target);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            if (Files.exists(tmp)) deleteTree(tmp);
        }
    }

    private byte[] download(String url) throws IOException, InterruptedException {
        HttpResponse<byte[]> r;
        try {
            r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofMinutes(2)).GET().build(),
                    HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new IOException("Cannot download " + url + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), e);
        }
        if (r.statusCode() != 200) throw new IOException("HTTP " + r.statusCode() + " for " + url);
        return r.body();
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void deleteTree(Path p) throws IOException {
        try (var walk = Files.walk(p)) {
            for (var x : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(x);
        }
    }
}
