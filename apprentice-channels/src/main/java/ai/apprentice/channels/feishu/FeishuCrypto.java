package ai.apprentice.channels.feishu;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The security of Feishu's event subscription (open.feishu.cn "Configure encryption policy" / "Event subscription
 * security verification"): with an Encrypt Key set, a delivery's body is {@code {"encrypt": "..."}}, which is Base64 of a
 * 16-byte IV followed by AES-256-CBC ciphertext (PKCS#7 padding) under the key SHA-256(encrypt key); and each request is
 * signed: {@code X-Lark-Signature} = hex SHA-256 of timestamp + nonce + encrypt key + the body's exact bytes.
 */
final class FeishuCrypto {
    /**
     * How far a request's timestamp may be from now. Feishu documents no window; an hour (as DingTalk's) lets its own
     * retries of a signed request through while an old captured one is refused (and event ids deduplicate the rest).
     */
    static final Duration WINDOW = Duration.ofHours(1);

    private FeishuCrypto() {}

    /** The plaintext of an {@code encrypt} field; GeneralSecurityException when it was not encrypted with this key. */
    static String decrypt(String encrypt, String encryptKey) throws GeneralSecurityException {
        byte[] all;
        try {
            all = Base64.getDecoder().decode(encrypt.strip());
        } catch (IllegalArgumentException e) {
            throw new GeneralSecurityException("the encrypt field is not Base64");
        }
        if (all.length < 32 || all.length % 16 != 0) throw new GeneralSecurityException("the encrypt field is not an IV and whole AES blocks");
        var cipher = Cipher.getInstance("AES/CBC/PKCS5Padding");
        cipher.init(Cipher.DECRYPT_MODE, key(encryptKey), new IvParameterSpec(Arrays.copyOf(all, 16)));
        return new String(cipher.doFinal(all, 16, all.length - 16), StandardCharsets.UTF_8);
    }

    static SecretKeySpec key(String encryptKey) throws GeneralSecurityException {
        return new SecretKeySpec(MessageDigest.getInstance("SHA-256").digest(encryptKey.getBytes(StandardCharsets.UTF_8)), "AES");
    }

    /** {@code X-Lark-Signature} of a request. */
    static String signature(String timestamp, String nonce, String encryptKey, byte[] body) {
        try {
            var sha = MessageDigest.getInstance("SHA-256");
            sha.update((timestamp + nonce + encryptKey).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha.digest(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    /** Why a request's signature is refused, or null when it is good and its timestamp recent. */
    static String refusal(String timestamp, String nonce, String signature, String encryptKey, byte[] body, Instant now) {
        if (timestamp == null || nonce == null || signature == null) {
            return "the X-Lark-Request-Timestamp, X-Lark-Request-Nonce or X-Lark-Signature header is missing";
        }
        long seconds;
        try {
            seconds = Long.parseLong(timestamp.strip());
        } catch (NumberFormatException e) {
            return "X-Lark-Request-Timestamp is not a number of seconds";
        }
        if (Math.abs(now.getEpochSecond() - seconds) > WINDOW.toSeconds()) {
            return "X-Lark-Request-Timestamp is more than " + WINDOW.toMinutes() + " minutes from now (expired or replayed)";
        }
        var expected = signature(timestamp, nonce, encryptKey, body);
        if (!equal(expected, signature.strip().toLowerCase(java.util.Locale.ROOT))) return "X-Lark-Signature does not match the body and the encrypt key";
        return null;
    }

    /** Compares secrets in constant time. */
    static boolean equal(String a, String b) {
        return a != null && b != null && MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }
}
