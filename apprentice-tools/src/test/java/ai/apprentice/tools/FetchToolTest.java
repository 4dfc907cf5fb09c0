package ai.apprentice.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class FetchToolTest {
    HttpServer server;
    String base;

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/page", ex -> respond(ex, 200, "text/html; charset=utf-8", """
                <html><head><title>Guide</title><script>alert(1)</script></head><body>
                <nav>menu</nav><h2>Install</h2><p>Run <code>make</code> then see <a href="/docs">the docs</a>.</p>
                <ul><li>fast</li><li>small</li></ul><table><tr><th>k</th><th>v</th></tr><tr><td>a</td><td>1</td></tr></table>
                <pre>line1
                line2</pre></body></html>"""));
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
        base = "http://127.0.0.1:" + server.getAddress().getPort();
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
        var md = new FetchTool().fetch(base + "/page");
        assertThat(md).startsWith("# Guide").contains("## Install").contains("`make`")
                .contains("[the docs](" + base + "/docs)").contains("- fast").contains("| k | v |").contains("| a | 1 |")
                .contains("```\nline1\nline2\n```").doesNotContain("alert").doesNotContain("menu");
    }

    @Test
    void explainsFailures() {
        var fetch = new FetchTool(Duration.ofMillis(500), 1000);
        assertThatThrownBy(() -> fetch.fetch("file:///etc/passwd")).hasMessageContaining("only http and https");
        assertThatThrownBy(() -> fetch.fetch(base + "/bin")).hasMessageContaining("not text");
        assertThatThrownBy(() -> fetch.fetch(base + "/slow")).hasMessageContaining("no answer");
        assertThatThrownBy(() -> fetch.fetch("http://127.0.0.1:1/")).hasMessageContaining("cannot connect");
    }

    @Test
    void reportsHttpErrorsWithTheBody() throws Exception {
        assertThat(new FetchTool().fetch(base + "/missing")).startsWith("HTTP 404").contains("no such page");
    }
}
