package ai.apprentice.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.KeyStore;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * A TLS-terminating TCP proxy on a free loopback port in front of a plaintext gRPC server, as a load balancer in front
 * of a secured Temporal: it offers HTTP/2 by ALPN ("h2", which gRPC clients insist on), optionally requires a client
 * certificate signed by a given CA, and forwards the decrypted bytes both ways.
 */
final class TlsProxy implements AutoCloseable {
    final int port;
    /** Connections whose TLS handshake completed. */
    final AtomicInteger handshakes = new AtomicInteger();
    private final SSLServerSocket server;
    private final int backend;
    private final boolean needClientAuth;
    private volatile boolean closed;

    /** @param clientCa the CAs a client certificate must chain to; null: no client certificate asked for */
    TlsProxy(KeyStore serverKey, KeyStore clientCa, int backend) throws Exception {
        this.backend = backend;
        this.needClientAuth = clientCa != null;
        var keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(serverKey, TestPki.PASSWORD);
        TrustManagerFactory trust = null;
        if (clientCa != null) {
            trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(clientCa);
        }
        var context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), trust == null ? null : trust.getTrustManagers(), null);
        server = (SSLServerSocket) context.getServerSocketFactory().createServerSocket(0, 50, InetAddress.getLoopbackAddress());
        port = server.getLocalPort();
        var accept = new Thread(this::accept, "tls-proxy-accept");
        accept.setDaemon(true);
        accept.start();
    }

    String target() {
        return "127.0.0.1:" + port;
    }

    private void accept() {
        while (!closed) {
            try {
                var client = (SSLSocket) server.accept();
                var params = client.getSSLParameters();
                params.setApplicationProtocols(new String[] {"h2"});
                params.setNeedClientAuth(needClientAuth);
                client.setSSLParameters(params);
                var t = new Thread(() -> serve(client), "tls-proxy-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                if (!closed) e.printStackTrace();
            }
        }
    }

    private void serve(SSLSocket client) {
        try (client; var upstream = new Socket()) {
            client.startHandshake();
            handshakes.incrementAndGet();
            upstream.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), backend));
            var back = new Thread(() -> pump(upstream, client), "tls-proxy-back");
            back.setDaemon(true);
            back.start();
            pump(client, upstream);
            back.join();
        } catch (IOException | InterruptedException e) {
            // a refused handshake or a closed connection: the client sees it
        }
    }

    private static void pump(Socket from, Socket to) {
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            var buffer = new byte[16384];
            for (int n; (n = in.read(buffer)) >= 0; ) {
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // the other side went away
        } finally {
            try {
                if (to instanceof SSLSocket) to.close(); else to.shutdownOutput();
            } catch (IOException ignored) {
                // closed already
            }
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
    }
}
