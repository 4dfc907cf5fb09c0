package ai.apprentice.cli;

import io.temporal.testserver.TestServer;

/**
 * Temporal's port-bound test server as a process of its own, for tests that put the server, the workers and the
 * client in separate JVMs: {@code java -cp <test classpath> ai.apprentice.cli.TemporalServerMain}. It binds a free
 * loopback port, prints {@code temporal test server on 127.0.0.1:PORT} and serves until it is killed.
 */
public final class TemporalServerMain {
    private TemporalServerMain() {}

    public static void main(String[] args) throws Exception {
        RuntimeException last = null;
        for (int i = 0; i < 5; i++) {
            int port = TemporalServer.freePort();
            try {
                var server = TestServer.createPortBoundServer(port);
                System.out.println("temporal test server on 127.0.0.1:" + port);
                System.out.flush();
                Runtime.getRuntime().addShutdownHook(new Thread(server::close));
                Thread.currentThread().join(); // until killed
                return;
            } catch (RuntimeException taken) {
                last = taken; // another process took the port meanwhile: another one
            }
        }
        throw last;
    }
}
