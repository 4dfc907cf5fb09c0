package ai.apprentice.channels.webhook;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The signature of the generic webhook channel, both ways (docs/channels/webhook.md):
 * {@code X-Apprentice-Timestamp: <unix seconds>} and
 * {@code X-Apprentice-Signature-256: sha256=<lower-case hex of HMAC-SHA256(secret, timestamp + "." + body)>}, the body
 * as its exact bytes. A timestamp more than five minutes from this server's clock, either way, is refused.
 */
public final class WebhookSignature {
    public static final String TIMESTAMP = "X-Apprentice-Timestamp";
    public static final String SIGNATURE = "X-Apprentice-Signature-256";
    public static final Duration WINDOW = Duration.ofMinutes(5);

    private final byte[] secret;
    private final Clock clock;

    public WebhookSignature(String secret, Clock clock) {
        this.secret = secret.getBytes(StandardCharsets.UTF_8);
        this.clock = clock;
    }

    /** {@code sha256=HEX}, the value of the signature header for {@code body} sent at {@code timestamp}. */
    public String sign(String timestamp, byte[] body) {
        try {
            var mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            mac.update(timestamp.getBytes(StandardCharsets.US_ASCII));
            mac.update((byte) '.');
            return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The current timestamp, as sent in {@link #TIMESTAMP}. */
    public String now() {
        return String.valueOf(clock.instant().getEpochSecond());
    }

    /** Why the request is refused, or null when its signature and timestamp are good. */
    public String problem(String timestamp, String signature, byte[] body) {
        if (timestamp == null || signature == null) return "missing " + TIMESTAMP + " or " + SIGNATURE;
        if (!timestamp.matches("\\d{1,12}")) return TIMESTAMP + " is not a number of seconds";
        if (!MessageDigest.isEqual(sign(timestamp, body).getBytes(StandardCharsets.US_ASCII),
                signature.strip().toLowerCase(java.util.Locale.ROOT).getBytes(StandardCharsets.US_ASCII))) {
            return "the signature does not match";
        }
        long skew = Math.abs(clock.instant().getEpochSecond() - Long.parseLong(timestamp));
        if (skew > WINDOW.toSeconds()) return "the timestamp is " + skew + " s away from this server's clock (at most " + WINDOW.toSeconds() + " s)";
        return null;
    }
}
