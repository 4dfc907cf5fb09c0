package ai.apprentice.channels.wecom;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * WeCom's callback signature and encryption ("回调和回复的加解密方案",
 * https://developer.work.weixin.qq.com/document/path/91144):
 * <ul>
 *   <li>msg_signature = hex(SHA1(the strings token, timestamp, nonce and the ciphertext, sorted and concatenated));</li>
 *   <li>AESKey = Base64_Decode(EncodingAESKey + "="), 32 bytes; AES-256-CBC, IV = the key's first 16 bytes,
 *       PKCS#7 padding to a multiple of 32 bytes (not 16: the JDK's padding cannot be used);</li>
 *   <li>plaintext = 16 random bytes + the message's length (4 bytes, network order) + the message + the receiveid
 *       (the CorpID for a self-built app's callbacks).</li>
 * </ul>
 */
final class WeComCrypto {
    private static final int BLOCK = 32;
    private final String token;
    private final byte[] key;
    private final String receiveId;
    private final SecureRandom random = new SecureRandom();

    /** @throws IllegalArgumentException when the EncodingAESKey is not 43 characters of Base64 */
    WeComCrypto(String token, String encodingAesKey, String receiveId) {
        if (encodingAesKey == null || encodingAesKey.length() != 43) {
            throw new IllegalArgumentException("the EncodingAESKey is 43 characters (it has " + (encodingAesKey == null ? 0 : encodingAesKey.length()) + ")");
        }
        this.token = token;
        this.key = Base64.getDecoder().decode(encodingAesKey + "=");
        this.receiveId = receiveId;
    }

    /** The msg_signature of a request carrying {@code encrypted} (the echostr of a verification, the Encrypt of a message). */
    String signature(String timestamp, String nonce, String encrypted) {
        var parts = new String[]{token, timestamp, nonce, encrypted};
        Arrays.sort(parts);
        try {
            var sha1 = MessageDigest.getInstance("SHA-1").digest(String.join("", parts).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha1);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether {@code given} is the msg_signature of these values (compared in constant time). */
    boolean verify(String given, String timestamp, String nonce, String encrypted) {
        if (given == null || timestamp == null || nonce == null || encrypted == null) return false;
        return MessageDigest.isEqual(signature(timestamp, nonce, encrypted).getBytes(StandardCharsets.US_ASCII),
                given.toLowerCase(java.util.Locale.ROOT).getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * The message inside {@code encrypted}.
     *
     * @throws IllegalArgumentException when it is not Base64, does not decrypt, is malformed, or was meant for another receiveid
     */
    String decrypt(String encrypted) {
        byte[] plain;
        try {
            var cipher = Cipher.getInstance("AES/CBC/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new IvParameterSpec(key, 0, 16));
            plain = cipher.doFinal(Base64.getDecoder().decode(encrypted));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalArgumentException("the ciphertext does not decrypt with this EncodingAESKey");
        }
        int pad = plain.length == 0 ? 0 : plain[plain.length - 1] & 0xff;
        if (pad < 1 || pad > BLOCK || plain.length < 20 + pad) throw new IllegalArgumentException("the decrypted message is malformed (padding)");
        int end = plain.length - pad;
        int length = ByteBuffer.wrap(plain, 16, 4).getInt();
        if (length < 0 || 20 + length > end) throw new IllegalArgumentException("the decrypted message is malformed (length)");
        var message = new String(plain, 20, length, StandardCharsets.UTF_8);
        var to = new String(plain, 20 + length, end - 20 - length, StandardCharsets.UTF_8);
        if (!to.equals(receiveId)) throw new IllegalArgumentException("the message is for receiveid '" + to + "', not this app's corp_id");
        return message;
    }

    /** {@code message} encrypted for WeCom (passive replies; the tests' fake sends with it too). */
    String encrypt(String message) {
        var random16 = new byte[16];
        random.nextBytes(random16);
        var body = message.getBytes(StandardCharsets.UTF_8);
        var to = receiveId.getBytes(StandardCharsets.UTF_8);
        int length = 20 + body.length + to.length;
        int pad = BLOCK - length % BLOCK;
        var plain = ByteBuffer.allocate(length + pad).put(random16).putInt(body.length).put(body).put(to);
        while (plain.hasRemaining()) plain.put((byte) pad);
        try {
            var cipher = Cipher.getInstance("AES/CBC/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new IvParameterSpec(key, 0, 16));
            return Base64.getEncoder().encodeToString(cipher.doFinal(plain.array()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
