package ai.apprentice.channels.triggers;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * {@code sha256=HEX}: the HMAC-SHA256 of a delivery's exact bytes with the shared secret, as GitHub sends it in
 * {@code X-Hub-Signature-256} ("Validating webhook deliveries", docs.github.com/en/webhooks), compared in constant time.
 */
final class Signatures {
    private Signatures() {}

    static String sign(String secret, byte[] content) {
        try {
            var mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return "sha256=" + HexFormat.of().formatHex(mac.doFinal(content));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JDK", e);
        }
    }

    /** Whether {@code header} is the signature of {@code content}; the comparison takes the same time wherever they differ. */
    static boolean valid(String secret, byte[] content, String header) {
        if (header == null) return false;
        var expected = sign(secret, content).getBytes(StandardCharsets.US_ASCII);
        var given = header.strip().toLowerCase(java.util.Locale.ROOT).getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(expected, given);
    }

    /** {@code timestamp + "." + body}: what a generic webhook signs when it sends a timestamp, so that the timestamp cannot be changed. */
    static byte[] withTimestamp(String timestamp, byte[] body) {
        var prefix = (timestamp + ".").getBytes(StandardCharsets.UTF_8);
        var out = new byte[prefix.length + body.length];
        System.arraycopy(prefix, 0, out, 0, prefix.length);
        System.arraycopy(body, 0, out, prefix.length, body.length);
        return out;
    }
}
