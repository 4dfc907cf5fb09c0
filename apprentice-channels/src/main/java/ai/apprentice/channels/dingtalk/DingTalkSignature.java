package ai.apprentice.channels.dingtalk;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The signature of an HTTP delivery to an enterprise robot, as DingTalk documents for receiving messages
 * (open.dingtalk.com, "receive messages", headers {@code timestamp} and {@code sign}): {@code sign} is
 * Base64(HmacSHA256(appSecret, timestamp + "\n" + appSecret)), and a timestamp more than one hour away from now is
 * not from DingTalk.
 */
final class DingTalkSignature {
    static final Duration MAX_SKEW = Duration.ofHours(1);

    private DingTalkSignature() {}

    static String sign(String timestamp, String appSecret) {
        try {
            var mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(appSecret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return Base64.getEncoder().encodeToString(mac.doFinal((timestamp + "\n" + appSecret).getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    /** Why the delivery is not DingTalk's, or null when its timestamp and signature hold. */
    static String refusal(String timestamp, String sign, String appSecret, Instant now) {
        if (timestamp == null || timestamp.isBlank() || sign == null || sign.isBlank()) return "no timestamp or sign header";
        long millis;
        try {
            millis = Long.parseLong(timestamp.strip());
        } catch (NumberFormatException e) {
            return "the timestamp header is not a number of milliseconds";
        }
        if (Math.abs(now.toEpochMilli() - millis) > MAX_SKEW.toMillis()) return "the timestamp is more than an hour away from now (expired or replayed)";
        var expected = sign(timestamp.strip(), appSecret).getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(expected, sign.strip().getBytes(StandardCharsets.UTF_8))) return "the sign header does not match the app secret";
        return null;
    }
}
