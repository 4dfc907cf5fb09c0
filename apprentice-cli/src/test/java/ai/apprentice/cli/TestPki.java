package ai.apprentice.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway PKI made with the JDK's own {@code keytool}: a self-signed CA, a server certificate for 127.0.0.1 and
 * localhost, and a client certificate, all signed by the CA; each as PEM files (keys PKCS#8) and as key stores.
 */
final class TestPki {
    static final char[] PASSWORD = "changeit".toCharArray();
    final Path dir;
    final Path caPem;
    final Path serverPem;
    final Path clientPem;
    final Path clientKeyPem;
    final Path serverStore;
    final Path clientStore;

    TestPki(Path dir) throws Exception {
        this.dir = dir;
        keytool("-genkeypair", "-keystore", "ca.p12", "-alias", "ca", "-dname", "CN=apprentice test CA", "-keyalg", "EC", "-groupname", "secp256r1",
                "-ext", "bc:c", "-validity", "2");
        keytool("-exportcert", "-rfc", "-keystore", "ca.p12", "-alias", "ca", "-file", "ca.pem");
        caPem = dir.resolve("ca.pem");
        serverStore = signed("server", "CN=localhost", "san=ip:127.0.0.1,dns:localhost");
        serverPem = dir.resolve("server.pem");
        clientStore = signed("client", "CN=apprentice worker", null);
        clientPem = dir.resolve("client.pem");
        clientKeyPem = dir.resolve("client.key");
        var key = (PrivateKey) load(clientStore).getKey("client", PASSWORD);
        Files.writeString(clientKeyPem, "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(key.getEncoded()) + "\n-----END PRIVATE KEY-----\n");
    }

    /** A key pair {@code name}.p12 whose certificate, {@code name}.pem, the CA signed; the store holds the key with the whole chain. */
    private Path signed(String name, String dname, String san) throws Exception {
        keytool("-genkeypair", "-keystore", name + "-self.p12", "-alias", name, "-dname", dname, "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2");
        keytool("-certreq", "-keystore", name + "-self.p12", "-alias", name, "-file", name + ".csr");
        var gencert = new ArrayList<>(List.of("-gencert", "-rfc", "-keystore", "ca.p12", "-alias", "ca", "-infile", name + ".csr", "-outfile", name + ".pem", "-validity", "2"));
        if (san != null) gencert.addAll(List.of("-ext", san));
        keytool(gencert.toArray(String[]::new));
        var key = (PrivateKey) load(dir.resolve(name + "-self.p12")).getKey(name, PASSWORD);
        var certs = CertificateFactory.getInstance("X.509");
        X509Certificate leaf;
        X509Certificate ca;
        try (var in = Files.newInputStream(dir.resolve(name + ".pem")); var caIn = Files.newInputStream(dir.resolve("ca.pem"))) {
            leaf = (X509Certificate) certs.generateCertificate(in);
            ca = (X509Certificate) certs.generateCertificate(caIn);
        }
        var store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry(name, key, PASSWORD, new java.security.cert.Certificate[] {leaf, ca});
        var file = dir.resolve(name + ".p12");
        try (var out = Files.newOutputStream(file)) {
            store.store(out, PASSWORD);
        }
        return file;
    }

    static KeyStore load(Path file) throws Exception {
        var store = KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(file)) {
            store.load(in, PASSWORD);
        }
        return store;
    }

    /** A trust store of the CA alone. */
    KeyStore caTrust() throws Exception {
        var store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        try (var in = Files.newInputStream(caPem)) {
            store.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        return store;
    }

    private void keytool(String... args) throws Exception {
        var command = new ArrayList<String>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        command.addAll(List.of("-storetype", "PKCS12", "-storepass", new String(PASSWORD), "-noprompt"));
        var p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        var output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IllegalStateException("keytool " + String.join(" ", args) + ": " + output);
    }
}
