package ai.apprentice.redact;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.model.Message;
import ai.apprentice.model.ToolCall;
import ai.apprentice.runtime.Event;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RedactorTest {
    private static final Redactor R = Redactor.PATTERNS;
    private static final String AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "openai-key | sk-abcdefghijklmnopqrstuvwxyz0123456789",
            "openai-key | sk-proj-Ab3dEfGhIjKlMnOpQrStUvWxYz_0123456789-abc",
            "anthropic-key | sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789",
            "aws-access-key-id | AKIAIOSFODNN7EXAMPLE",
            "aws-access-key-id | ASIAY34FZKBOKMUTVV7A",
            "github-token | ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789",
            "github-token | gho_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789",
            "github-token | ghu_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789",
            "github-token | ghs_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789",
            "github-token | ghr_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789",
            "github-token | github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz",
            "slack-token | xoxb-1234567890-0987654321-AbCdEfGhIjKl",
            "slack-token | xoxp-1234567890-0987654321-AbCdEfGhIjKl",
            "slack-token | xoxa-2-1234567890-AbCdEfGhIjKl",
            "slack-token | xapp-1-A0123456789-0123456789-abcdef",
            "slack-webhook | https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
            "stripe-key | sk_live_51HaBcDeFgHiJkLmNoPq",
            "stripe-key | rk_live_51HaBcDeFgHiJkLmNoPq",
            "stripe-key | sk_test_51HaBcDeFgHiJkLmNoPq",
            "google-api-key | AIzaSyA1234567890abcdefghijklmnopqrstuv",
            "jwt | eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
            "huggingface-token | hf_aBcDeFgHiJkLmNoPqRsTuVwXyZ01234567",
    })
    void findsKeysAndTokensByTheirShape(String kind, String secret) {
        var r = R.scan("here: " + secret + " (in a sentence)");
        assertThat(r.text()).isEqualTo("here: [REDACTED:" + kind + "] (in a sentence)");
        assertThat(r.kinds()).containsExactly(kind);
    }

    @Test
    void privateKeyBlocksGoWhole() {
        var pem = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----";
        assertThat(R.redact("key:\n" + pem + "\nafter")).isEqualTo("key:\n[REDACTED:private-key]\nafter");
        // Clipped (no END): to the end, or to a quote when it sits inside JSON text.
        assertThat(R.redact("-----BEGIN RSA PRIVATE KEY-----\nMIIEow")).isEqualTo("[REDACTED:private-key]");
        assertThat(R.redact("{\"content\":\"-----BEGIN RSA PRIVATE KEY-----\\nMIIEow\"}")).isEqualTo("{\"content\":\"[REDACTED:private-key]\"}");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "aws_secret_access_key = " + AWS_SECRET + " | aws_secret_access_key = [REDACTED:aws-secret-key]",
            "AWS_SECRET_ACCESS_KEY=" + AWS_SECRET + " | AWS_SECRET_ACCESS_KEY=[REDACTED:aws-secret-key]",
            "DB_PASSWORD=supersecret | DB_PASSWORD=[REDACTED:password]",
            "STRIPE_SECRET_KEY=sk_live_51HaBcDeFgHiJkLmNoPq | STRIPE_SECRET_KEY=[REDACTED:stripe-key]",
            "export GITHUB_TOKEN=abc123def456 | export GITHUB_TOKEN=[REDACTED:token]",
            "password: hunter22x | password: [REDACTED:password]",
            "`\"api_key\": \"Zx9-long value\"` | `\"api_key\": \"[REDACTED:key]\"`",
            "`{\\\"password\\\": \\\"in-json-text\\\"}` | `{\\\"password\\\": \\\"[REDACTED:password]\\\"}`",
            "_secret='s3cr3t value' | _secret='[REDACTED:secret]'",
            "x-api-key: 0123abcd | x-api-key: [REDACTED:key]",
            "client-secret=abcdefgh | client-secret=[REDACTED:secret]",
            "dbPassword := \"hunter2!\" | dbPassword := \"[REDACTED:password]\"",
            "SECRET_KEY_BASE=0a1b2c3d4e | SECRET_KEY_BASE=[REDACTED:key]",
            "MYSQL_PWD=rootroot | MYSQL_PWD=[REDACTED:password]",
            "AZURE_CREDENTIALS=eyabc-def | AZURE_CREDENTIALS=[REDACTED:credential]",
            "Authorization: Bearer abcdefghijklmnop0123 | Authorization: Bearer [REDACTED:bearer-token]",
            "git clone https://bob:pa55word@example.com/r.git | git clone https://bob:[REDACTED:url-password]@example.com/r.git",
            "Note: password=abc123 | Note: password=[REDACTED:password]",
    })
    void findsValuesAssignedToSecretNames(String text, String redacted) {
        assertThat(R.redact(text)).isEqualTo(redacted);
    }

    /** Ordinary text that must pass untouched, and why (the decisions documented on Redactor). */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "id 123e4567-e89b-12d3-a456-426614174000",                         // a UUID
            "commit 9fceb02d0ae598e95dc970b74767f19372d61af8",                 // a git SHA (40 hex, but no aws name)
            "Open the password_reset_url in a browser to reset it.",            // a secret name without a value
            "token count: 42",                                                  // the name is "count"
            "max_tokens=4096 and maxTokens: 1024",                              // "tokens" counts, it is not a token
            "token_type: bearer, key_id: abc123, secret_name: prod-db",         // the last part says what it is
            "password_reset_url: https://example.com/reset",
            "primary_key: user_id; public_key: ssh-ed25519",                   // database and public keys
            "keyboard: us, monkey=george, hotkey=ctrl",                        // key inside a word
            "token = getToken(); apiKey = config.apiKey;",                     // code, not values
            "password: str, token: Optional[str], apiKey: string",             // types
            "password=$DB_PASS token=${TOKEN} key=%KEY%",                      // references
            "if (password == other) return; Key::new(x)",                      // comparisons, paths
            "The secret: $x is read from the vault.",
            "ask-for-help desk-lamp sk-short the task-list",                   // sk- inside words, or too short
            "AKIAshort and AKIAIOSFODNN7EXAMPLEXX",                            // not 16, or longer
            "a JWT looks like eyJ... with three parts",
            "[REDACTED:password] stays as it is: password: [REDACTED:password]",
    })
    void leavesOrdinaryTextAlone(String text) {
        assertThat(R.redact(text)).isSameAs(text);
    }

    @Test
    void secretLookingEnvironmentValuesAreReplacedWherever() {
        var r = Redactor.of(Map.of("MY_SERVICE_TOKEN", "plainvalue-no-shape", "HOME", "/home/someone-long", "SHORT_KEY", "abc"));
        assertThat(r.redact("curl -H x:plainvalue-no-shape /home/someone-long abc"))
                .isEqualTo("curl -H x:[REDACTED:env:MY_SERVICE_TOKEN] /home/someone-long abc");
        assertThat(Redactor.secretName("OPENAI_API_KEY")).isTrue();
        assertThat(Redactor.secretName("PATH")).isFalse();
        // The shell's working directories are paths, not passwords; a DB_PWD still is one.
        var shell = Redactor.of(Map.of("PWD", "/work/project-dir", "OLDPWD", "/work/previous-dir", "DB_PWD", "hunter2-long-enough"));
        assertThat(shell.redact("cd /work/project-dir from /work/previous-dir with hunter2-long-enough"))
                .isEqualTo("cd /work/project-dir from /work/previous-dir with [REDACTED:env:DB_PWD]");
    }

    @Test
    void eventsAreRedactedInEveryStringTheyHold() {
        String key = "sk-proj-Ab3dEfGhIjKlMnOpQrStUvWxYz_0123456789";
        var step = new Event.StepCompleted("r", Instant.now(), 1, List.of(
                Message.assistant("the key is " + key, List.of(new ToolCall("c1", "write_file", "{\"content\":\"OPENAI_API_KEY=" + key + "\"}"))),
                Message.toolResult("c1", "write_file", "wrote " + key)));
        var redacted = (Event.StepCompleted) R.redact(step);
        assertThat(ai.apprentice.json.Json.write(redacted)).doesNotContain(key).contains("[REDACTED:openai-key]");
        assertThat(redacted.messages().get(0).toolCalls().get(0).arguments()).isEqualTo("{\"content\":\"OPENAI_API_KEY=[REDACTED:openai-key]\"}");
        var clean = new Event.ErrorEvent("r", Instant.now(), 1, "nothing here");
        assertThat(R.redact(clean)).isSameAs(clean);
    }

    /** Not a timing assertion: prints how long one MB of mixed text takes, for the record. */
    @Test
    void benchmarkOneMegabyte() {
        var sb = new StringBuilder();
        var lines = List.of("The build ran in 42s; see https://ci.example.com/job/123 for details.\n",
                "    token = getToken(); if (count == max_tokens) return key;\n",
                "DB_PASSWORD=supersecret and sk-proj-Ab3dEfGhIjKlMnOpQrStUvWxYz_0123456789\n",
                "{\"name\": \"value\", \"id\": \"123e4567-e89b-12d3-a456-426614174000\", \"sha\": \"9fceb02d0ae598e95dc970b74767f19372d61af8\"}\n",
                "Lorem ipsum dolor sit amet, consectetur adipiscing elit: sed do eiusmod tempor incididunt.\n");
        for (int i = 0; sb.length() < 1 << 20; i++) sb.append(lines.get(i % lines.size()));
        String text = sb.toString();
        for (int i = 0; i < 5; i++) R.redact(text); // warm up
        int rounds = 10;
        long t0 = System.nanoTime();
        String out = null;
        for (int i = 0; i < rounds; i++) out = R.redact(text);
        double ms = (System.nanoTime() - t0) / 1e6 / rounds;
        System.out.printf("Redactor: %.1f ms per MB (%d chars in, %d out)%n", ms, text.length(), out.length());
        assertThat(out).doesNotContain("supersecret").doesNotContain("sk-proj-");
    }
}
