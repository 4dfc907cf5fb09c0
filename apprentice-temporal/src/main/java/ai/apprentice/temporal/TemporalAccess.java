package ai.apprentice.temporal;

import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.temporal.serviceclient.SimpleSslContextBuilder;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import javax.net.ssl.TrustManagerFactory;

/**
 * How a connection to Temporal is secured: plaintext (a local dev server), TLS with the system's trust store or a given
 * CA bundle, a client certificate (mTLS), and an API key sent as Temporal Cloud documents it ({@code authorization:
 * Bearer KEY}, over TLS). The key is held here only to be sent: {@link #toString} and every error leave it out.
 *
 * @param tls TLS on (implied by any of the others)
 * @param ca PEM bundle of the CAs to trust instead of the system's, or null
 * @param cert PEM client certificate chain (mTLS), with {@code key}, or null
 * @param key PEM PKCS#8 private key of {@code cert}, or null
 * @param serverName the name the server's certificate is checked against (and the TLS authority), instead of the target's host; or null
 * @param apiKey the API key, or null
 * @param apiKeySource where the key came from (e.g. "$TEMPORAL_API_KEY"), for messages; never the key
 */
public record TemporalAccess(boolean tls, Path ca, Path cert, Path key, String serverName, String apiKey, String apiKeySource) {
    /** A plaintext connection, as to {@code temporal server start-dev}. */
    public static final TemporalAccess PLAINTEXT = new TemporalAccess(false, null, null, null, null, null, null);

    public TemporalAccess {
        tls = tls || ca != null || cert != null || key != null || serverName != null || apiKey != null;
        if (apiKey != null && apiKey.isBlank()) apiKey = null;
    }

    /**
     * Applies this to the options of the service stubs: the SSL context (built with the SDK's {@link SimpleSslContextBuilder}),
     * the authority override and the API key (the SDK's {@code addApiKey}, which sends {@code authorization: Bearer KEY}).
     *
     * @throws IllegalArgumentException naming the option and the file when a file is missing, unreadable or not PEM, or a
     *     certificate comes without its key
     */
    public WorkflowServiceStubsOptions.Builder apply(WorkflowServiceStubsOptions.Builder options) {
        if (!tls) return options;
        options.setSslContext(sslContext());
        if (serverName != null) options.setChannelInitializer(channel -> channel.overrideAuthority(serverName));
        if (apiKey != null) {
            var k = apiKey;
            options.addApiKey(() -> k);
        }
        return options;
    }

    /** The SSL context of this, checked: every file readable and what it should be. */
    SslContext sslContext() {
        if ((cert == null) != (key == null)) {
            throw new IllegalArgumentException(cert != null ? "--temporal-tls-cert " + cert + " needs --temporal-tls-key FILE (its private key, PEM PKCS#8)"
                    : "--temporal-tls-key " + key + " needs --temporal-tls-cert FILE (the client certificate, PEM)");
        }
        SimpleSslContextBuilder builder;
        if (cert != null) {
            var chain = read("--temporal-tls-cert", cert);
            certificates("--temporal-tls-cert", cert, chain);
            var pkcs8 = read("--temporal-tls-key", key);
            var text = new String(pkcs8, java.nio.charset.StandardCharsets.US_ASCII);
            if (!text.contains("-----BEGIN PRIVATE KEY-----")) {
                throw new IllegalArgumentException("--temporal-tls-key " + key + " is not a PEM PKCS#8 private key (BEGIN PRIVATE KEY)"
                        + (text.contains("-----BEGIN") ? "; convert it: openssl pkcs8 -topk8 -nocrypt -in " + key.getFileName() + " -out key.pkcs8.pem" : ""));
            }
            builder = SimpleSslContextBuilder.forPKCS8(new ByteArrayInputStream(chain), new ByteArrayInputStream(pkcs8));
        } else {
            builder = SimpleSslContextBuilder.noKeyOrCertChain();
        }
        if (ca != null) {
            var bundle = certificates("--temporal-ca", ca, read("--temporal-ca", ca));
            try {
                var store = KeyStore.getInstance(KeyStore.getDefaultType());
                store.load(null, null);
                int i = 0;
                for (var c : bundle) store.setCertificateEntry("ca-" + i++, c);
                var factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                factory.init(store);
                builder.setTrustManager(factory.getTrustManagers()[0]);
            } catch (java.security.GeneralSecurityException | IOException e) {
                throw new IllegalArgumentException("--temporal-ca " + ca + ": cannot trust its certificates (" + e.getMessage() + ")", e);
            }
        }
        try {
            return builder.build();
        } catch (javax.net.ssl.SSLException | RuntimeException e) {
            throw new IllegalArgumentException("TLS settings not usable" + (cert == null ? "" : " (--temporal-tls-cert " + cert + ", --temporal-tls-key " + key + ")")
                    + ": " + e.getMessage(), e);
        }
    }

    private static byte[] read(String option, Path file) {
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException(option + " " + file + ": no such file");
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IllegalArgumentException(option + " " + file + ": cannot read it (" + e.getMessage() + ")", e);
        }
    }

    private static java.util.List<X509Certificate> certificates(String option, Path file, byte[] pem) {
        try {
            var all = CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(pem));
            if (all.isEmpty()) throw new java.security.cert.CertificateException("no certificate in it");
            return all.stream().map(X509Certificate.class::cast).toList();
        } catch (java.security.cert.CertificateException e) {
            throw new IllegalArgumentException(option + " " + file + " is not a PEM certificate (BEGIN CERTIFICATE): " + e.getMessage(), e);
        }
    }

    /** How this connects, for messages: never the key itself. */
    public String describe() {
        if (!tls) return "plaintext";
        var parts = new java.util.ArrayList<String>();
        parts.add(ca != null ? "TLS, trusting " + ca : "TLS");
        if (cert != null) parts.add("client certificate " + cert);
        if (serverName != null) parts.add("server name " + serverName);
        if (apiKey != null) parts.add("API key from " + apiKeySource);
        return String.join(", ", parts);
    }

    @Override
    public String toString() {
        return "TemporalAccess[" + describe() + "]";
    }
}
