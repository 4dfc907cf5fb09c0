package ai.apprentice.channels.triggers;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A generic webhook: the signature over the body (or timestamp and body), the five-minute window, a missing secret. */
class GenericWebhookTest {
    static final String SECRET = "generic-webhook-secret-0123456789";
    @TempDir Path home;
    @TempDir Path root;
    final TestClock clock = new TestClock("2026-03-02T10:30:00Z");

    @Test
    void signedDeliveriesStartRunsAndBadOrExpiredSignaturesAreRefused() throws Exception {
        Files.writeString(root.resolve("script.jsonl"), "{\"text\": \"Deployed.\"}\n");
        try (var s = new TriggerServer(home, root, clock, Map.of("DEPLOY_SECRET", SECRET))) {
            var made = s.post("/api/triggers", "{\"name\": \"deploy\", \"webhook\": true, \"secret_env\": \"DEPLOY_SECRET\", \"task\": \"Deploy {{ref}} ({{count}} commits)\"}");
            assertThat(made.status()).as(made.body()).isEqualTo(201);
            var body = "{\"ref\": \"main\", \"count\": 3}".getBytes(StandardCharsets.UTF_8);

            var ok = s.deliver("/hooks/deploy", body, Map.of("X-Apprentice-Signature-256", Signatures.sign(SECRET, body), "X-Apprentice-Delivery", "x1"));
            assertThat(ok.status()).as(ok.body()).isEqualTo(202);
            var run = s.awaitFinished(ok.json().path("run_id").asText());
            assertThat(run.path("origin").asText()).isEqualTo("trigger:deploy");
            assertThat(run.path("task").asText()).contains("Deploy <untrusted-data field=\"ref\">main</untrusted-data> (3 commits)");
            assertThat(s.deliver("/hooks/deploy", body, Map.of("X-Apprentice-Signature-256", Signatures.sign(SECRET, body), "X-Apprentice-Delivery", "x1"))
                    .json().path("duplicate").asBoolean()).isTrue();

            long now = clock.instant().getEpochSecond();
            var ts = String.valueOf(now - 60);
            var timed = s.deliver("/hooks/deploy", body, Map.of("X-Apprentice-Timestamp", ts,
                    "X-Apprentice-Signature-256", Signatures.sign(SECRET, Signatures.withTimestamp(ts, body))));
            assertThat(timed.status()).as(timed.body()).isEqualTo(202);
            s.awaitFinished(timed.json().path("run_id").asText());

            var old = String.valueOf(now - 600);
            var expired = s.deliver("/hooks/deploy", body, Map.of("X-Apprentice-Timestamp", old,
                    "X-Apprentice-Signature-256", Signatures.sign(SECRET, Signatures.withTimestamp(old, body))));
            assertThat(expired.status()).isEqualTo(401);
            assertThat(expired.json().path("error").path("code").asText()).isEqualTo("expired");
            // a fresh timestamp on an old signature: the signature covers the timestamp, so it no longer matches
            var moved = s.deliver("/hooks/deploy", body, Map.of("X-Apprentice-Timestamp", String.valueOf(now),
                    "X-Apprentice-Signature-256", Signatures.sign(SECRET, Signatures.withTimestamp(old, body))));
            assertThat(moved.status()).isEqualTo(401);
            assertThat(s.deliver("/hooks/deploy", body, Map.of("X-Apprentice-Signature-256", Signatures.sign("wrong", body))).status()).isEqualTo(401);
            assertThat(s.deliver("/hooks/deploy", body, Map.of()).status()).isEqualTo(401);
            var tampered = "{\"ref\": \"evil\", \"count\": 3}".getBytes(StandardCharsets.UTF_8);
            assertThat(s.deliver("/hooks/deploy", tampered, Map.of("X-Apprentice-Signature-256", Signatures.sign(SECRET, body))).status()).isEqualTo(401);
            assertThat(s.log()).contains("more than five minutes", "does not match the timestamp and body", "X-Apprentice-Signature-256 is missing");
            assertThat(s.runs()).hasSize(2);

            // a webhook whose secret the server's environment lacks refuses everything
            assertThat(s.post("/api/triggers", "{\"name\": \"other\", \"webhook\": true, \"secret_env\": \"UNSET_SECRET\", \"task\": \"x\"}").status()).isEqualTo(201);
            var unset = s.deliver("/hooks/other", body, Map.of("X-Apprentice-Signature-256", Signatures.sign("a guess", body)));
            assertThat(unset.status()).isEqualTo(503);
            assertThat(unset.json().path("error").path("message").asText()).contains("UNSET_SECRET");
            assertThat(s.triggers.store().fires("other", 10)).isEmpty();

            // removed: no longer served
            assertThat(s.send("DELETE", "/api/triggers/deploy", null).status()).isEqualTo(200);
            assertThat(s.deliver("/hooks/deploy", body, Map.of("X-Apprentice-Signature-256", Signatures.sign(SECRET, body))).status()).isEqualTo(404);
        }
    }
}
