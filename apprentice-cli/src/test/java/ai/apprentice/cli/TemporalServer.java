package ai.apprentice.cli;

import io.temporal.testserver.TestServer;
import java.io.IOException;
import java.net.ServerSocket;

/** Temporal's official test server bound to a free loopback port, in this JVM: the real gRPC API, in memory. */
final class TemporalServer implements AutoCloseable {
    final int port;
    private final TestServer.PortBoundTestServer server;

    TemporalServer() throws IOException {
        int p = freePort();
        TestServer.PortBoundTestServer bound;
        try {
            bound = TestServer.createPortBoundServer(p);
        } catch (RuntimeException taken) {
            p = freePort(); // another test took it meanwhile: once more
            bound = TestServer.createPortBoundServer(p);
        }
        server = bound;
        port = p;
    }

    String target() {
        return "127.0.0.1:" + port;
    }

    static int freePort() throws IOException {
        try (var s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() {
        server.close();
    }
}
