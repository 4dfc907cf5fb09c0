package ai.apprentice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.json.Json;
import ai.apprentice.testkit.Requirements;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code worker} and {@code eval --engine temporal} over mutual TLS, through a TLS proxy that requires a client
 * certificate in front of Temporal's test server: the same scores as in process, and {@code eval resume} connects
 * again the same way from what the evaluation recorded.
 */
@Timeout(180)
class EvalOverTlsTest {
    @TempDir Path pki;
    @TempDir Path home;
    @TempDir Path workerHome;
    @TempDir Path ws;

    @Test
    void aWorkerAndAnEvaluationOverMutualTlsScoreAsInProcessAndResumeOverTlsToo() throws Exception {
        var certs = new TestPki(pki);
        var data = Requirements.sharedDir("benchmarks/taubench").toString();
        try (var temporal = new TemporalServer(); var proxy = new TlsProxy(TestPki.load(certs.serverStore), certs.caTrust(), temporal.port)) {
            var tls = List.of("--temporal-target", proxy.target(), "--temporal-ca", certs.caPem.toString(),
                    "--temporal-tls-cert", certs.clientPem.toString(), "--temporal-tls-key", certs.clientKeyPem.toString());
            var worker = Thread.ofVirtual().start(() -> new CliHarness(workerHome, ws).run(Stream.concat(Stream.of("worker", "--task-queue", "tlsq", "--slots", "3"),
                    tls.stream()).toArray(String[]::new)));
            var cli = new CliHarness(home, ws);
            var args = List.of("eval", "taubench-airline", "--data", data, "--agent", "random", "--tasks", "0-3", "-k", "1", "--seed", "3", "--json");
            var local = cli.run(args.toArray(String[]::new));
            var onTemporal = cli.run(Stream.of(args.stream(), Stream.of("--engine", "temporal", "--task-queue", "tlsq"), tls.stream())
                    .flatMap(s -> s).toArray(String[]::new));
            assertThat(local.exit()).as(local.err()).isZero();
            assertThat(onTemporal.exit()).as(onTemporal.err()).isZero();
            var a = Json.tree(local.out());
            var b = Json.tree(onTemporal.out());
            for (var field : List.of("trials", "mean_reward", "pass_at_k", "mean_actions", "errors")) {
                assertThat(b.get(field)).as(field).isEqualTo(a.get(field));
            }
            assertThat(proxy.handshakes.get()).as("the worker and the evaluation both came through TLS").isGreaterThanOrEqualTo(2);
            var folder = home.resolve("evals").resolve(b.get("id").asText());
            var meta = Json.MAPPER.readTree(folder.resolve("meta.json").toFile());
            assertThat(meta.get("temporal_tls_cert").asText()).isEqualTo(certs.clientPem.toAbsolutePath().toString());

            var lines = Files.readAllLines(folder.resolve("trials.jsonl"));
            Files.write(folder.resolve("trials.jsonl"), lines.subList(0, 2));
            int before = proxy.handshakes.get();
            var resumed = cli.run("eval", "resume", b.get("id").asText(), "--json");
            assertThat(resumed.exit()).as(resumed.err()).isZero();
            assertThat(Json.tree(resumed.out()).get("mean_reward")).isEqualTo(a.get("mean_reward"));
            assertThat(proxy.handshakes.get()).isGreaterThan(before);
            worker.interrupt();
            worker.join(15_000);
        }
    }
}
