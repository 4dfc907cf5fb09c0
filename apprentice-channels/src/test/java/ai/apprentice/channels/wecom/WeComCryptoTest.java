package ai.apprentice.channels.wecom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** WeCom's signature and encryption against the example values of WeCom's own crypto sample, and round trips. */
class WeComCryptoTest {
    // the example of WeCom's sample code for "回调和回复的加解密方案" (https://developer.work.weixin.qq.com/document/path/91144)
    private static final String TOKEN = "QDG6eK";
    private static final String CORP_ID = "wx5823bf96d3bd56c7";
    private static final String AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";
    private final WeComCrypto crypto = new WeComCrypto(TOKEN, AES_KEY, CORP_ID);

    @Test
    void theDocumentedUrlVerificationVerifiesAndDecrypts() {
        var echo = "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==";
        assertThat(crypto.verify("5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3", "1409659589", "263014780", echo)).isTrue();
        assertThat(crypto.decrypt(echo)).isEqualTo("1616140317555161061");
    }

    @Test
    void theDocumentedMessageVerifiesAndDecrypts() {
        var encrypted = "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==";
        assertThat(crypto.verify("477715d11cdb4164915debcba66cb864d751f3e6", "1409659813", "1372623149", encrypted)).isTrue();
        var fields = WeComXml.fields(crypto.decrypt(encrypted));
        assertThat(fields).containsEntry("FromUserName", "mycreate").containsEntry("Content", "hello").containsEntry("MsgType", "text");
    }

    @Test
    void messagesOfEveryLengthRoundTripAndTamperingIsCaught() {
        for (var message : new String[]{"", "x", "a".repeat(11), "b".repeat(12), "中文消息".repeat(9), "c".repeat(1000)}) {
            var encrypted = crypto.encrypt(message);
            assertThat(java.util.Base64.getDecoder().decode(encrypted).length % 32).as("padded to 32").isZero();
            assertThat(crypto.decrypt(encrypted)).isEqualTo(message);
        }
        var encrypted = crypto.encrypt("hello");
        assertThat(crypto.verify(crypto.signature("1", "2", encrypted), "1", "2", encrypted)).isTrue();
        assertThat(crypto.verify(crypto.signature("1", "2", encrypted), "1", "3", encrypted)).isFalse();
        assertThat(crypto.verify(null, "1", "2", encrypted)).isFalse();
        var otherKey = new WeComCrypto(TOKEN, "A".repeat(43), CORP_ID);
        assertThatThrownBy(() -> otherKey.decrypt(encrypted)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> crypto.decrypt("not base64!")).hasMessageContaining("does not decrypt");
        assertThatThrownBy(() -> new WeComCrypto(TOKEN, "A".repeat(43), "other").decrypt(new WeComCrypto(TOKEN, "A".repeat(43), CORP_ID).encrypt("x")))
                .hasMessageContaining("receiveid '" + CORP_ID + "'");
        assertThatThrownBy(() -> new WeComCrypto(TOKEN, "short", CORP_ID)).hasMessageContaining("43 characters");
    }
}
