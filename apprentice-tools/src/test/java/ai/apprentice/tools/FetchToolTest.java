package ai.apprentice.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class FetchToolTest {
    /** The test server is on loopback, which fetch_url refuses unless the config lists it. */
    static final FetchTool LOCAL = new FetchTool(List.of("127.0.0.0/8"));
    HttpServer server;
    String base;
    int port;

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/page", ex -> respond(ex, 200, "text/html; charset=utf-8", """
                <html><head><title>Guide</title><script>alert(1)</script></head><body>
                <nav>menu</nav><h2>Install</h2><p>Run <code>make</code> then see <a href="/docs">the docs</a>.</p>
                <ul><li>fast</li><li>small</li></ul><table><tr><th>k</th><th>v</th></tr><tr><td>a</td><td>1</td></tr></table>
                <pre>line1
                line2</pre></body></html>"""));
        server.createContext("/secret", ex -> respond(ex, 200, "text/plain", "internal data"));
        server.createContext("/chunked", ex -> {
            ex.getResponseHeaders().add("Content-Type", "text/plain");
            ex.sendResponseHeaders(200, 0); // chunked
            for (int i = 0; i < 3; i++) ex.getResponseBody().write(("part" + i + " ").getBytes(StandardCharsets.UTF_8));
            ex.close();
        });
        server.createContext("/redirect", ex -> {
            ex.getResponseHeaders().add("Location", ex.getRequestURI().getQuery());
            ex.sendResponseHeaders(302, -1);
            ex.close();
        });
        server.createContext("/host", ex -> respond(ex, 200, "text/plain", "Host: " + ex.getRequestHeaders().getFirst("Host")));
        server.createContext("/missing", ex -> respond(ex, 404, "text/plain", "no such page"));
        server.createContext("/bin", ex -> respond(ex, 200, "application/octet-stream", "\0\1\2"));
        server.createContext("/slow", ex -> {
            try {
                Thread.sleep(5000);
            } catch (InterruptedException ignored) {
                // server shutting down
            }
            respond(ex, 200, "text/plain", "late");
        });
        server.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        server.start();
        port = server.getAddress().getPort();
        base = "http://127.0.0.1:" + port;
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private static void respond(com.sun.net.httpserver.HttpExchange ex, int status, String type, String body) throws java.io.IOException {
        var bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", type);
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
        ex.close();
    }

    @Test
    void turnsHtmlIntoMarkdown() throws Exception {
        var md = LOCAL.fetch(base + "/page");
        assertThat(md).startsWith("# Guide").contains("## Install").contains("`make`")
                .contains("[the docs](" + base + "/docs)").contains("- fast").contains("| k | v |").contains("| a | 1 |")
                .contains("```\nline1\nline2\n```").doesNotContain("alert").doesNotContain("menu");
    }

    @Test
    void explainsFailures() {
        var fetch = new FetchTool(Duration.ofMillis(500), 1000, List.of("127.0.0.1"));
        assertThatThrownBy(() -> fetch.fetch("file:///etc/passwd")).hasMessageContaining("only http and https");
        assertThatThrownBy(() -> fetch.fetch(base + "/bin")).hasMessageContaining("not text");
        assertThatThrownBy(() -> fetch.fetch(base + "/slow")).hasMessageContaining("no answer");
        assertThatThrownBy(() -> fetch.fetch("http://127.0.0.1:1/")).hasMessageContaining("cannot connect");
    }

    @Test
    void reportsHttpErrorsWithTheBody() throws Exception {
        assertThat(LOCAL.fetch(base + "/missing")).startsWith("HTTP 404").contains("no such page");
    }

    @Test
    void followsRedirectsAndChunkedBodiesAndSendsTheHostHeader() throws Exception {
        assertThat(LOCAL.fetch(base + "/redirect?/secret")).isEqualTo("internal data");
        assertThat(LOCAL.fetch(base + "/chunked")).isEqualTo("part0 part1 part2 ");
        assertThat(new FetchTool(List.of("localhost:" + port)).fetch("http://localhost:" + port + "/host"))
                .isEqualTo("Host: localhost:" + port);
    }

    @Test
    void refusesInternalAddressesByDefault() {
        var fetch = new FetchTool();
        assertThatThrownBy(() -> fetch.fetch(base + "/secret")).hasMessageContaining("a loopback address")
                .hasMessageContaining("fetch: {allow_private: [\"127.0.0.1:" + port + "\"]}");
        for (var url : List.of("http://2130706433:" + port + "/secret", "http://0x7f.1:" + port + "/secret",
                "http://0177.0.0.1:" + port + "/secret", "http://[::ffff:127.0.0.1]:" + port + "/secret", "http://[::1]:" + port + "/",
                "http://localhost:" + port + "/secret", "http://0.0.0.0:" + port + "/", "http://[::]:" + port + "/",
                "http://169.254.169.254/latest/meta-data/", "http://10.0.0.5/", "http://172.16.1.1/", "http://192.168.1.1/",
                "http://[fd00::1]/", "http://[fe80::1]/", "http://224.0.0.1/", "http://[::ffff:a9fe:a9fe]/", "http://[64:ff9b::7f00:1]/",
                "https://127.0.0.1:" + port + "/")) {
            assertThatThrownBy(() -> fetch.fetch(url)).as(url).hasMessageContaining("refused").hasMessageContaining("allow_private");
        }
        assertThatThrownBy(() -> fetch.fetch("http://169.254.169.254/")).hasMessageContaining("cloud metadata");
    }

    @Test
    void listedHostsAndRangesAreAllowedAndEveryRedirectHopIsChecked() throws Exception {
        assertThat(new FetchTool(List.of("127.0.0.1:" + port)).fetch(base + "/secret")).isEqualTo("internal data");
        assertThat(new FetchTool(List.of("127.0.0.1")).fetch("http://2130706433:" + port + "/secret")).isEqualTo("internal data");
        assertThat(new FetchTool(List.of("[::ffff:127.0.0.1]")).fetch(base + "/secret")).isEqualTo("internal data");
        assertThatThrownBy(() -> new FetchTool(List.of("127.0.0.1:1")).fetch(base + "/secret")).hasMessageContaining("refused");
        // an allowed host that redirects to one that is not
        assertThatThrownBy(() -> new FetchTool(List.of("127.0.0.1:" + port)).fetch(base + "/redirect?http://localhost:8080/x"))
                .hasMessageContaining("refused http://localhost:8080/x").hasMessageContaining("a loopback address");
        assertThatThrownBy(() -> new FetchTool(List.of("127.0.0.1:" + port)).fetch(base + "/redirect?http://10.1.2.3/"))
                .hasMessageContaining("a private address");
        assertThatThrownBy(() -> new FetchTool(List.of("nonsense:port"))).hasMessageContaining("Bad fetch.allow_private entry");
    }

    @Test
    void readsNumericHostsAsResolversDo() {
        assertThat(AddressRules.looseIpv4("2130706433").getHostAddress()).isEqualTo("127.0.0.1");
        assertThat(AddressRules.looseIpv4("0x7f.1").getHostAddress()).isEqualTo("127.0.0.1");
        assertThat(AddressRules.looseIpv4("127.1").getHostAddress()).isEqualTo("127.0.0.1");
        assertThat(AddressRules.looseIpv4("10.0.0.5.").getHostAddress()).isEqualTo("10.0.0.5");
        assertThat(AddressRules.looseIpv4("example.com")).isNull();
        assertThat(AddressRules.looseIpv4("1.2.3.4.5")).isNull();
        assertThat(AddressRules.internal(AddressRules.literal("93.184.215.14"))).isNull();
        assertThat(AddressRules.internal(AddressRules.literal("2606:2800:21f:cb07::1"))).isNull();
    }
}
