package ai.apprentice.envs.taubench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The installer against a local HTTP server: checksums checked, Python tasks converted, failures leave nothing. */
class TauInstallerTest {
    @TempDir Path dir;

    static final String TASKS_PY = """
            from tau_bench.types import Action, Task

            TASKS = [
                Task(
                    annotator="0",
                    user_id="mia_li_3668",
                    instruction="Your user id is mia_li_3668. "
                    'You want to fly (one way).',
                    actions=[
                        Action(name="send_certificate", kwargs={"user_id": "mia_li_3668", "amount": 250}),  # a comment
                        Action(name="calculate", kwargs={"expression": "1.5 * 2", "flag": True, "none": None, "x": 2.50}),
                    ],
                    outputs=["250"],
                ),
            ]
            """;

    HttpServer serve(Map<String, byte[]> files) throws Exception {
        var server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            var body = files.get(ex.getRequestURI().getPath().substring(1));
            ex.sendResponseHeaders(body == null ? 404 : 200, body == null ? -1 : body.length);
            if (body != null) ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
        return server;
    }

    @Test
    void installsVerifiedFilesAndConvertsTasks() throws Exception {
        var orders = Files.readAllBytes(SharedData.taubench().resolve("retail/orders.json"));
        var tasks = TASKS_PY.getBytes(StandardCharsets.UTF_8);
        var userPy = TauUserTest.USER_PY.getBytes(StandardCharsets.UTF_8);
        var server = serve(Map.of("retail/data/orders.json", orders, "airline/tasks_test.py", tasks, "user.py", userPy));
        try {
            var entries = List.of(new TauInstaller.Entry("retail/data/orders.json", "retail/orders.json", TauInstaller.sha256(orders)),
                    new TauInstaller.Entry("airline/tasks_test.py", "tasks/airline_test.json", TauInstaller.sha256(tasks)),
                    new TauInstaller.Entry("user.py", UserTemplate.FILE, TauInstaller.sha256(userPy)));
            var log = new ByteArrayOutputStream();
            var target = dir.resolve("taubench");
            new TauInstaller("http://127.0.0.1:" + server.getAddress().getPort(), entries).install(target, new PrintStream(log));
            assertThat(Files.readAllBytes(target.resolve("retail/orders.json"))).isEqualTo(orders);
            var json = ai.apprentice.json.Json.MAPPER.readTree(target.resolve("tasks/airline_test.json").toFile());
            assertThat(json.at("/0/instruction").asText()).isEqualTo("Your user id is mia_li_3668. You want to fly (one way).");
            assertThat(json.at("/0/actions/0/kwargs/amount").isInt()).isTrue();
            assertThat(json.at("/0/actions/1/kwargs/x").isDouble()).isTrue();
            assertThat(json.at("/0/actions/1/kwargs/flag").asBoolean()).isTrue();
            assertThat(json.at("/0/actions/1/kwargs/none").isNull()).isTrue();
            assertThat(json.at("/0/outputs/0").asText()).isEqualTo("250");
            assertThat(log.toString()).contains("[2/3] airline/tasks_test.py");
            // The user's template, extracted from the Python source, in the format the environment reads.
            assertThat(UserTemplate.read(target.resolve(UserTemplate.FILE))).isEqualTo(UserTemplate.fromPython(TauUserTest.USER_PY))
                    .startsWith("Play a customer.{instruction_display}");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aChecksumMismatchOrAMissingFileInstallsNothing() throws Exception {
        var server = serve(Map.of("retail/wiki.md", "tampered".getBytes()));
        try {
            var base = "http://127.0.0.1:" + server.getAddress().getPort();
            var target = dir.resolve("taubench");
            var bad = new TauInstaller(base, List.of(TauInstaller.FILES.get(3)));
            assertThatThrownBy(() -> bad.install(target, new PrintStream(new ByteArrayOutputStream())))
                    .hasMessageContaining("SHA-256 of retail/wiki.md").hasMessageContaining("nothing was installed");
            var missing = new TauInstaller(base, List.of(TauInstaller.FILES.get(0)));
            assertThatThrownBy(() -> missing.install(target, new PrintStream(new ByteArrayOutputStream())))
                    .hasMessageContaining("HTTP 404");
            assertThat(target).doesNotExist();
            try (var s = Files.list(dir)) {
                assertThat(s.toList()).isEmpty(); // no temporary folders left either
            }
        } finally {
            server.stop(0);
        }
    }

    @Test
    void theUserTemplateIsPinnedAtTheSameCommitAsTheData() {
        var user = TauInstaller.FILES.stream().filter(f -> f.local().equals(UserTemplate.FILE)).findFirst().orElseThrow();
        assertThat(TauInstaller.BASE_URL + user.upstream()).isEqualTo("https://raw.githubusercontent.com/sierra-research/tau-bench/"
                + TauInstaller.COMMIT + "/tau_bench/envs/user.py");
    }

    @Test
    void thePinnedChecksumsAreThoseOfTheSharedData() throws Exception {
        for (var f : TauInstaller.FILES) {
            if (f.upstream().endsWith(".py")) continue; // the shared copy holds converted JSON
            var local = SharedData.taubench().resolve(f.local());
            assertThat(TauInstaller.sha256(Files.readAllBytes(local))).as(f.local()).isEqualTo(f.sha256());
        }
    }
}
