package ai.apprentice.channels.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.apprentice.channels.Button;
import ai.apprentice.channels.ChannelConfig;
import ai.apprentice.channels.ChatEvent;
import ai.apprentice.channels.ChatException;
import ai.apprentice.channels.Outgoing;
import ai.apprentice.server.Inbound;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The webhook channel's contract: the documented signature, deliveries read or refused, messages posted signed. */
class WebhookPlatformTest {
    private final FakeChatSystem fake = new FakeChatSystem();

    @AfterEach
    void stop() {
        fake.close();
    }

    static ChannelConfig config(String replyUrl, Map<String, String> extra) {
        var s = new HashMap<>(Map.of("secret_env", "HOOK_SECRET", "reply_url", replyUrl));
        s.putAll(extra);
        return new ChannelConfig("webhook", "webhook", s, "", Set.of("u1"), Set.of(), Set.of(), Set.of(), Map.of(), 0, "person", 10_000_000);
    }

    static Inbound.Request signed(String body, String secret, long timestamp) {
        var bytes = body.getBytes(StandardCharsets.UTF_8);
        var ts = String.valueOf(timestamp);
        return new Inbound.Request("POST", "/channels/webhook/events", Map.of("x-apprentice-timestamp", ts,
                "x-apprentice-signature-256", new WebhookSignature(secret, Clock.systemUTC()).sign(ts, bytes)), Map.of(), bytes, "127.0.0.1");
    }

    static long now() {
        return Instant.now().getEpochSecond();
    }

    private WebhookPlatform platform() throws ChatException {
        return WebhookPlatform.create(config(fake.replyUrl(), Map.of()), FakeChatSystem.ENV);
    }

    @Test
    void theSignatureIsTheDocumentedExample() {
        // the example in docs/channels/webhook.md
        var body = "{\"id\":\"m1\",\"user\":{\"id\":\"u1\"},\"channel\":\"town-square\",\"text\":\"hi\",\"direct\":true}".getBytes(StandardCharsets.UTF_8);
        var at = Clock.fixed(Instant.ofEpochSecond(1700000100), ZoneOffset.UTC);
        var s = new WebhookSignature(FakeChatSystem.SECRET, at);
        assertThat(s.sign("1700000000", body)).isEqualTo("sha256=3c6b44248a1e0e36e7587f5248b71e0b4ba2e02122283e0ad8b309886cdc1c72");
        assertThat(s.problem("1700000000", "sha256=3C6B44248A1E0E36E7587F5248B71E0B4BA2E02122283E0AD8B309886CDC1C72", body)).isNull();
        assertThat(s.problem("1700000001", s.sign("1700000000", body), body)).contains("does not match");
        var late = new WebhookSignature(FakeChatSystem.SECRET, Clock.fixed(Instant.ofEpochSecond(1700000301), ZoneOffset.UTC));
        assertThat(late.problem("1700000000", s.sign("1700000000", body), body)).contains("301 s away");
        var early = new WebhookSignature(FakeChatSystem.SECRET, Clock.fixed(Instant.ofEpochSecond(1699999699), ZoneOffset.UTC));
        assertThat(early.problem("1700000000", s.sign("1700000000", body), body)).contains("301 s away");
    }

    @Test
    void messagesAndButtonPressesAreRead() throws Exception {
        var p = platform();
        var m = (ChatEvent.Message) p.receive(signed("""
                {"id": "m1", "user": {"id": "u1", "name": "Ann"}, "team": "acme", "channel": "town-square", "thread": "t1",
                 "text": "what is the answer?", "mentioned": true, "extra": "ignored"}""", FakeChatSystem.SECRET, now())).events().get(0);
        assertThat(m).isEqualTo(new ChatEvent.Message("m1", new ChatEvent.Place("acme", "town-square", "t1"), new ChatEvent.Person("u1", "Ann", false),
                "what is the answer?", false, true, java.util.List.of()));
        var bot = (ChatEvent.Message) p.receive(signed("{\"id\":\"m2\",\"user\":{\"id\":\"b1\",\"bot\":true},\"channel\":\"c\",\"text\":\"x\",\"direct\":true}",
                FakeChatSystem.SECRET, now())).events().get(0);
        assertThat(bot.from()).isEqualTo(new ChatEvent.Person("b1", "b1", true));
        assertThat(bot.place().thread()).isNull();
        var a = (ChatEvent.Action) p.receive(signed("""
                {"id": "press-1", "user": {"id": "u1"}, "channel": "c", "thread": "t1", "action": {"name": "feedback_good", "value": "run_1"},
                 "message_ref": "ref-9"}""", FakeChatSystem.SECRET, now())).events().get(0);
        assertThat(a.action()).isEqualTo("feedback_good");
        assertThat(a.value()).isEqualTo("run_1");
        assertThat(a.messageRef()).isEqualTo("ref-9");
        assertThat(a.place()).isEqualTo(new ChatEvent.Place("", "c", "t1"));
    }

    @Test
    void badSignaturesStaleTimestampsAndMalformedBodiesAreRefusedWithAReason() throws Exception {
        var p = platform();
        var good = "{\"id\":\"m1\",\"user\":{\"id\":\"u1\"},\"channel\":\"c\",\"text\":\"hi\",\"direct\":true}";
        assertThat(p.receive(signed(good, "wrong-secret-0123456789", now())).response().status()).isEqualTo(401);
        var stale = p.receive(signed(good, FakeChatSystem.SECRET, now() - 301));
        assertThat(stale.response().status()).isEqualTo(401);
        assertThat(stale.refusal()).contains("away from this server's clock");
        var unsigned = new Inbound.Request("POST", "/", Map.of(), Map.of(), good.getBytes(StandardCharsets.UTF_8), "x");
        assertThat(p.receive(unsigned).refusal()).contains("missing X-Apprentice-Timestamp");
        for (var body : Map.of("not json", "not JSON", "[1]", "JSON object", "{\"user\":{\"id\":\"u1\"},\"channel\":\"c\"}", "id is required",
                "{\"id\":\"m\",\"user\":\"u1\",\"channel\":\"c\"}", "user must be an object", "{\"id\":\"m\",\"user\":{\"id\":\"u1\"}}", "channel is required",
                "{\"id\":\"m\",\"user\":{\"id\":\"u1\"},\"channel\":\"c\",\"direct\":\"yes\"}", "direct must be true or false",
                "{\"id\":\"m\",\"user\":{\"id\":\"u1\"},\"channel\":\"c\",\"action\":{\"value\":\"v\"}}", "name is required",
                "{\"id\":7,\"user\":{\"id\":\"u1\"},\"channel\":\"c\"}", "id must be a string").entrySet()) {
            var r = p.receive(signed(body.getKey(), FakeChatSystem.SECRET, now()));
            assertThat(r.response().status()).as(body.getKey()).isEqualTo(400);
            assertThat(r.refusal()).as(body.getKey()).contains(body.getValue());
        }
    }

    @Test
    void messagesArePostedSignedToTheReplyUrlAndTheirRefsComeBack() throws Exception {
        var p = platform();
        var place = new ChatEvent.Place("acme", "town-square", "t1");
        assertThat(p.post(place, new Outgoing("Allow it?", Button.approval("ap_1")))).isEqualTo("ref-1");
        p.update(place, "ref-1", Outgoing.text("✅ Allowed once by u1"));
        assertThat(fake.received).allSatisfy(r -> assertThat(r.problem()).isNull());
        var posted = fake.messages().get(0);
        assertThat(posted.path("type").asText()).isEqualTo("post");
        assertThat(posted.path("team").asText()).isEqualTo("acme");
        assertThat(posted.path("channel").asText()).isEqualTo("town-square");
        assertThat(posted.path("thread").asText()).isEqualTo("t1");
        assertThat(posted.path("text").asText()).isEqualTo("Allow it?");
        assertThat(posted.path("buttons").path(2).path("action").asText()).isEqualTo("deny");
        assertThat(posted.path("buttons").path(2).path("value").asText()).isEqualTo("ap_1");
        assertThat(posted.path("buttons").path(2).path("label").asText()).isEqualTo("Deny");
        assertThat(posted.path("buttons").path(2).path("style").asText()).isEqualTo("danger");
        var updated = fake.messages().get(1);
        assertThat(updated.path("type").asText()).isEqualTo("update");
        assertThat(updated.path("update_of").asText()).isEqualTo("ref-1");
        assertThat(updated.path("buttons")).isEmpty();
        assertThat(p.check()).contains("accepted a signed check").contains("fake chat");
    }

    @Test
    void aReplyUrlThatRefusesOrIsMissingIsNamed() throws Exception {
        var other = Map.of("HOOK_SECRET", "another-secret-0123456789");
        assertThatThrownBy(() -> WebhookPlatform.create(config(fake.replyUrl(), Map.of()), other).check()).hasMessageContaining("HTTP 401")
                .hasMessageContaining("same secret");
        assertThatThrownBy(() -> WebhookPlatform.create(config("http://127.0.0.1:1/reply", Map.of()), FakeChatSystem.ENV).post(new ChatEvent.Place("", "c", null),
                Outgoing.text("x"))).hasMessageContaining("could not be reached");
        assertThatThrownBy(() -> WebhookPlatform.create(config("", Map.of()), FakeChatSystem.ENV)).hasMessageContaining("reply_url is not set");
        assertThatThrownBy(() -> WebhookPlatform.create(config("file:///etc/passwd", Map.of()), FakeChatSystem.ENV)).hasMessageContaining("not an http(s) URL");
        assertThatThrownBy(() -> WebhookPlatform.create(config(fake.replyUrl(), Map.of()), Map.of("HOOK_SECRET", "short"))).hasMessageContaining("at least 16");
    }
}
