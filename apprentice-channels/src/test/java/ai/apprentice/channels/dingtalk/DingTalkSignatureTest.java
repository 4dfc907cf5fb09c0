package ai.apprentice.channels.dingtalk;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class DingTalkSignatureTest {
    private static final String SECRET = "this is secret";
    private final Instant now = Instant.parse("2024-05-01T10:00:00Z");

    @Test
    void theSignIsBase64OfHmacSha256OfTimestampNewlineSecretKeyedWithTheSecret() throws Exception {
        var ts = "1577262236757";
        var mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        var expected = Base64.getEncoder().encodeToString(mac.doFinal((ts + "\n" + SECRET).getBytes(StandardCharsets.UTF_8)));
        assertThat(DingTalkSignature.sign(ts, SECRET)).isEqualTo(expected).hasSize(44);
    }

    @Test
    void aDeliveryWithinTheHourSignedWithTheAppSecretIsAccepted() {
        var ts = String.valueOf(now.minus(Duration.ofMinutes(59)).toEpochMilli());
        assertThat(DingTalkSignature.refusal(ts, DingTalkSignature.sign(ts, SECRET), SECRET, now)).isNull();
    }

    @Test
    void aWrongSignAnOldTimestampOrMissingHeadersAreRefusedWithAReason() {
        var ts = String.valueOf(now.toEpochMilli());
        assertThat(DingTalkSignature.refusal(ts, DingTalkSignature.sign(ts, "another secret"), SECRET, now)).contains("does not match");
        var old = String.valueOf(now.minus(Duration.ofMinutes(61)).toEpochMilli());
        assertThat(DingTalkSignature.refusal(old, DingTalkSignature.sign(old, SECRET), SECRET, now)).contains("more than an hour");
        var future = String.valueOf(now.plus(Duration.ofMinutes(61)).toEpochMilli());
        assertThat(DingTalkSignature.refusal(future, DingTalkSignature.sign(future, SECRET), SECRET, now)).contains("more than an hour");
        assertThat(DingTalkSignature.refusal(null, "x", SECRET, now)).contains("no timestamp");
        assertThat(DingTalkSignature.refusal(ts, "", SECRET, now)).contains("no timestamp");
        assertThat(DingTalkSignature.refusal("yesterday", "x", SECRET, now)).contains("not a number");
    }
}
