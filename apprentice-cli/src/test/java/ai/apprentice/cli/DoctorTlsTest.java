package ai.apprentice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.temporal.internal.testservice.GRPCServerHelper;
import io.temporal.internal.testservice.TestServicesStarter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code doctor --temporal-target} through TLS, for real: Temporal's plaintext test server behind a TLS-terminating
 * proxy with a CA, server and client certificates made by keytool. TLS with the CA trusted reaches the engine, an
 * untrusted certificate is a TLS/certificate failure, mTLS works with the client certificate and fails without it,
 * and an API key arrives as {@code authorization: Bearer KEY} without ever being printed.
 */
@Timeout(240)
class DoctorTlsTest {
    @TempDir static Path pki;
    @TempDir Path home;
    @TempDir Path ws;
    static TestPki certs;

    @BeforeAll
    static void makeCertificates() throws Exception {
        certs = new TestPki(pki);
    }

    private static String engineLine(CliHarness.Result r) {
        return r.out().lines().filter(l -> l.contains(" engine ")).findFirst().orElse("(no engine line) " + r.out() + r.err());
    }

    @Test
    void tlsWithTheCaReachesTheEngineAndAnUntrustedCertificateIsATlsFailure() throws Exception {
        var cli = new CliHarness(home, ws);
        try (var temporal = new TemporalServer(); var proxy = new TlsProxy(TestPki.load(certs.serverStore), null, temporal.port)) {
            var ok = cli.run("doctor", "--temporal-target", proxy.target(), "--temporal-tls", "--temporal-ca", certs.caPem.toString());
            assertThat(engineLine(ok)).as(ok.out() + ok.err()).startsWith("ok").contains("Temporal").contains(proxy.target()).contains("TLS")
                    .contains("namespace default");
            assertThat(proxy.handshakes.get()).isPositive();

            long t0 = System.nanoTime();
            var untrusted = cli.run("doctor", "--temporal-target", proxy.target(), "--temporal-tls");
            assertThat(engineLine(untrusted)).startsWith("FAIL").contains("TLS").contains("certificate").contains("--temporal-ca");
            assertThat(untrusted.out() + untrusted.err()).doesNotContain("\tat ");
            assertThat((System.nanoTime() - t0) / 1_000_000_000).as("told at once, not after the health check's retries").isLessThan(20);

            // the name the certificate holds, given as the authority: localhost is in it
            var named = cli.run("doctor", "--temporal-target", proxy.target(), "--temporal-ca", certs.caPem.toString(), "--temporal-server-name", "localhost");
            assertThat(engineLine(named)).as(named.out()).startsWith("ok");
            var wrongName = cli.run("doctor", "--temporal-target", proxy.target(), "--temporal-ca", certs.caPem.toString(), "--temporal-server-name", "elsewhere.example");
            assertThat(engineLine(wrongName)).startsWith("FAIL").contains("TLS").contains("--temporal-server-name elsewhere.example");

            // plaintext against a TLS port is told at once too
            t0 = System.nanoTime();
            var plain = cli.run("doctor", "--temporal-target", proxy.target());
            assertThat(engineLine(plain)).startsWith("FAIL").contains("--temporal-tls");
            assertThat((System.nanoTime() - t0) / 1_000_000_000).isLessThan(20);
        }
    }

    @Test
    void mutualTlsWorksWithTheClientCertificateAndFailsWithoutIt() throws Exception {
        var cli = new CliHarness(home, ws);
        try (var temporal = new TemporalServer(); var proxy = new TlsProxy(TestPki.load(certs.serverStore), certs.caTrust(), temporal.port)) {
            var mtls = cli.run("doctor", "--temporal-target", proxy.target(), "--temporal-ca", certs.caPem.toString(),
                    "--temporal-tls-cert", certs.clientPem.toString(), "--temporal-tls-key", certs.clientKeyPem.toString());
            assertThat(engineLine(mtls)).as(mtls.out() + mtls.err()).startsWith("ok").contains("client certificate");

            var without = cli.run("doctor", "--temporal-target", proxy.target(), "--temporal-ca", certs.caPem.toString());
            assertThat(engineLine(without)).startsWith("FAIL").contains("TLS").contains("--temporal-tls-cert");
        }
    }

    @Test
    void badTlsInputIsAUsageErrorNamingTheOptionAndTheFile() throws Exception {
        var cli = new CliHarness(home, ws);
        var missing = ws.resolve("no-such-ca.pem");
        var r = cli.run("doctor", "--temporal-target", "127.0.0.1:1", "--temporal-ca", missing.toString());
        assertThat(engineLine(r)).startsWith("FAIL").contains("--temporal-ca").contains(missing.toString()).contains("no such file");

        var notPem = Files.writeString(ws.resolve("garbage.pem"), "not a certificate\n");
        r = cli.run("doctor", "--temporal-target", "127.0.0.1:1", "--temporal-ca", notPem.toString());
        assertThat(engineLine(r)).startsWith("FAIL").contains("--temporal-ca").contains(notPem.toString()).contains("not a PEM certificate");

        r = cli.run("doctor", "--temporal-target", "127.0.0.1:1", "--temporal-tls-cert", certs.clientPem.toString());
        assertThat(engineLine(r)).startsWith("FAIL").contains("--temporal-tls-cert").contains("needs --temporal-tls-key");

        var pkcs1 = Files.writeString(ws.resolve("rsa.key"), "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n");
        r = cli.run("doctor", "--temporal-target", "127.0.0.1:1", "--temporal-tls-cert", certs.clientPem.toString(), "--temporal-tls-key", pkcs1.toString());
        assertThat(engineLine(r)).startsWith("FAIL").contains("--temporal-tls-key").contains(pkcs1.toString()).contains("PKCS#8");

        // the same mixin on the other entry points: a usage error before anything connects
        var worker = cli.run("worker", "--temporal-target", "127.0.0.1:1", "--temporal-ca", missing.toString());
        assertThat(worker.exit()).isNotZero();
        assertThat(worker.err()).contains("--temporal-ca").contains(missing.toString()).contains("no such file");
        var local = cli.run("eval", "retail", "--temporal-tls");
        assertThat(local.exit()).isNotZero();
        assertThat(local.err()).contains("--engine temporal");
        var key = cli.run("worker", "--temporal-target", "127.0.0.1:1", "--temporal-api-key-env", "NO_SUCH_KEY_VARIABLE");
        assertThat(key.err()).contains("NO_SUCH_KEY_VARIABLE").contains("not set");
    }

    @Test
    void anApiKeyArrivesAsABearerTokenAndIsNeverPrinted() throws Exception {
        var key = "tmprl-test-key-" + Long.toHexString(System.nanoTime()) + "-SECRET";
        var seen = new CopyOnWriteArrayList<String>();
        var authorization = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
        var namespaceHeader = Metadata.Key.of("temporal-namespace", Metadata.ASCII_STRING_MARSHALLER);
        var describedIn = new CopyOnWriteArrayList<String>();
        ServerInterceptor gate = new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                var value = headers.get(authorization);
                seen.add(String.valueOf(value));
                if (call.getMethodDescriptor().getFullMethodName().endsWith("/DescribeNamespace")) describedIn.add(String.valueOf(headers.get(namespaceHeader)));
                if (!("Bearer " + key).equals(value)) {
                    call.close(Status.UNAUTHENTICATED.withDescription("invalid API key"), new Metadata());
                    return new ServerCall.Listener<>() {};
                }
                return next.startCall(call, headers);
            }
        };
        int port = TemporalServer.freePort();
        var services = new TestServicesStarter(false, 0);
        var builder = Grpc.newServerBuilderForPort(port, InsecureServerCredentials.create());
        GRPCServerHelper.registerServicesAndHealthChecks(services.getServices(), builder, List.of(gate));
        var grpc = builder.build().start();
        var cli = new CliHarness(home, ws);
        try (var proxy = new TlsProxy(TestPki.load(certs.serverStore), null, port)) {
            cli.env.put("TEMPORAL_API_KEY", key);
            // the key turns TLS on by itself; the CA is the test's
            var ok = cli.run("doctor", "--temporal-target", proxy.target(), "--temporal-ca", certs.caPem.toString());
            assertThat(engineLine(ok)).as(ok.out() + ok.err()).startsWith("ok").contains("API key from $TEMPORAL_API_KEY");
            assertThat(seen).isNotEmpty().allMatch(("Bearer " + key)::equals);
            assertThat(ok.out() + ok.err()).doesNotContain(key).doesNotContain("SECRET");
            assertThat(describedIn).as("routed by namespace, as Cloud's regional endpoints want").isNotEmpty().allMatch("default"::equals);

            // another variable, holding a key the server refuses: a failure that says so, without the key
            cli.env.remove("TEMPORAL_API_KEY");
            var wrong = key.replace("SECRET", "WRONGSECRET");
            cli.env.put("MY_TEMPORAL_KEY", wrong);
            var refused = cli.run("doctor", "--temporal-target", proxy.target(), "--temporal-ca", certs.caPem.toString(), "--temporal-api-key-env", "MY_TEMPORAL_KEY");
            assertThat(engineLine(refused)).as(refused.out() + refused.err()).startsWith("FAIL").contains("refused").contains("$MY_TEMPORAL_KEY");
            assertThat(refused.out() + refused.err()).doesNotContain(wrong).doesNotContain("SECRET");
            assertThat(seen).contains("Bearer " + wrong);
        } finally {
            grpc.shutdownNow();
            services.close();
        }
    }
}
