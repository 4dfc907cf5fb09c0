package ai.apprentice.channels.dingtalk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.apprentice.channels.Button;
import ai.apprentice.channels.ChannelConfig;
import ai.apprentice.channels.ChatEvent;
import ai.apprentice.channels.ChatException;
import ai.apprentice.channels.Outgoing;
import ai.apprentice.json.Json;
import ai.apprentice.server.Inbound;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DingTalkPlatformTest {
    static final Map<String, String> ENV = Map.of("DT_KEY", FakeDingTalk.APP_KEY, "DT_SECRET", FakeDingTalk.APP_SECRET);
    private final FakeDingTalk fake = new FakeDingTalk();

    @AfterEach
    void stop() {
        fake.close();
    }

    static ChannelConfig config(String url, Map<String, String> extra) {
        var s = new HashMap<>(Map.of("app_key_env", "DT_KEY", "app_secret_env", "DT_SECRET", "api_base_url", url, "oapi_base_url", url));
        s.putAll(extra);
        return new ChannelConfig("dingtalk", "dingtalk", s, "", Set.of("user123"), Set.of(), Set.of(), Set.of(), Map.of(), 0, "person", 10_000_000);
    }

    static Inbound.Request signed(String body, String secret, long timestamp) {
        var ts = String.valueOf(timestamp);
        return new Inbound.Request("POST", "/channels/dingtalk/events", Map.of("timestamp", ts, "sign", DingTalkSignature.sign(ts, secret),
                "content-type", "application/json"), Map.of(), body.getBytes(StandardCharsets.UTF_8), "127.0.0.1");
    }

    private DingTalkPlatform platform(Map<String, String> extra) throws ChatException {
        return DingTalkPlatform.create(config(fake.url(), extra), ENV);
    }

    private String webhook() {
        return fake.url() + "/robot/sendBySession?session=s1";
    }

    private long valid() {
        return System.currentTimeMillis() + 3_600_000;
    }

    @Test
    void signedDeliveriesAreReadAndEverythingElseIsRefusedWithAReason() throws Exception {
        var p = platform(Map.of());
        var body = Json.write(Payloads.group("m1", "user123", "hi", webhook(), valid()));
        var ok = p.receive(signed(body, FakeDingTalk.APP_SECRET, System.currentTimeMillis()));
        assertThat(ok.refusal()).isNull();
        assertThat(ok.events()).singleElement().isInstanceOf(ChatEvent.Message.class);

        var bad = p.receive(signed(body, "not-the-secret", System.currentTimeMillis()));
        assertThat(bad.response().status()).isEqualTo(401);
        assertThat(bad.refusal()).contains("does not match");
        assertThat(bad.events()).isEmpty();
        var old = p.receive(signed(body, FakeDingTalk.APP_SECRET, System.currentTimeMillis() - 2 * 3_600_000));
        assertThat(old.response().status()).isEqualTo(401);
        var unsigned = p.receive(new Inbound.Request("POST", "/", Map.of(), Map.of(), body.getBytes(StandardCharsets.UTF_8), "127.0.0.1"));
        assertThat(unsigned.response().status()).isEqualTo(401);
        var malformed = p.receive(signed("{\"msgId\": \"x\"", FakeDingTalk.APP_SECRET, System.currentTimeMillis()));
        assertThat(malformed.response().status()).isEqualTo(400);
        var ignored = p.receive(signed(Json.write(Payloads.single("m2", "u", "", webhook(), valid()).put("msgtype", "location")),
                FakeDingTalk.APP_SECRET, System.currentTimeMillis()));
        assertThat(ignored.response().status()).isEqualTo(200);
        assertThat(ignored.events()).isEmpty();
        assertThat(new String(ignored.response().body(), StandardCharsets.UTF_8)).contains("location");
    }

    private ChatEvent.Message message(DingTalkPlatform p, com.fasterxml.jackson.databind.node.ObjectNode payload) {
        return (ChatEvent.Message) p.receive(signed(Json.write(payload), FakeDingTalk.APP_SECRET, System.currentTimeMillis())).events().get(0);
    }

    @Test
    void textGoesToTheSessionWebhookWhileItIsValidAndThroughTheRobotApiAfter() throws Exception {
        var p = platform(Map.of());
        var live = message(p, Payloads.group("m1", "user123", "hi", webhook(), valid()));
        assertThat(p.post(live.place(), Outgoing.text("**Hello** there"))).startsWith("msg:");
        var sent = fake.calls("/robot/sendBySession");
        assertThat(sent).singleElement().satisfies(c -> {
            assertThat(c.query()).isEqualTo("session=s1");
            assertThat(c.body().path("msgtype").asText()).isEqualTo("markdown");
            assertThat(c.body().path("markdown").path("text").asText()).isEqualTo("**Hello** there");
            assertThat(c.body().path("markdown").path("title").asText()).isEqualTo("Hello there");
        });

        var expired = message(p, Payloads.group("m2", "user123", "hi", webhook(), System.currentTimeMillis() - 1));
        p.post(expired.place(), Outgoing.text("to the group"));
        assertThat(fake.calls("/v1.0/robot/groupMessages/send")).singleElement().satisfies(c -> {
            assertThat(c.header("x-acs-dingtalk-access-token")).isEqualTo(FakeDingTalk.TOKEN);
            assertThat(c.body().path("openConversationId").asText()).isEqualTo("cidGroup123==");
            assertThat(c.body().path("robotCode").asText()).isEqualTo(FakeDingTalk.APP_KEY);
            assertThat(c.body().path("msgKey").asText()).isEqualTo("sampleMarkdown");
            assertThat(Json.tree(c.body().path("msgParam").asText()).path("text").asText()).isEqualTo("to the group");
        });

        var direct = message(p, Payloads.single("m3", "user123", "hi", null, 0));
        p.post(direct.place(), Outgoing.text("to you"));
        assertThat(fake.calls("/v1.0/robot/oToMessages/batchSend")).singleElement()
                .satisfies(c -> assertThat(c.body().path("userIds").path(0).asText()).isEqualTo("user123"));
        assertThat(fake.calls("/v1.0/oauth2/accessToken")).hasSize(1); // the token is kept
    }

    @Test
    void aSessionWebhookOnAnotherHostIsNeverCalled() throws Exception {
        var p = platform(Map.of());
        var elsewhere = "http://localhost:" + fake.port() + "/robot/sendBySession?session=evil";
        var m = message(p, Payloads.group("m1", "user123", "hi", elsewhere, valid()));
        p.post(m.place(), Outgoing.text("hello"));
        assertThat(fake.calls("/robot/sendBySession")).isEmpty();
        assertThat(fake.calls("/v1.0/robot/groupMessages/send")).hasSize(1);
    }

    @Test
    void buttonsMakeAnInteractiveCardWhichIsEditedInPlaceAndWhosePressesComeBackAsActions() throws Exception {
        var p = platform(Map.of("card_callback_route_key", "apprentice"));
        var m = message(p, Payloads.group("m1", "user123", "hi", webhook(), valid()));
        var ref = p.post(m.place(), new Outgoing("Allow it?", Button.approval("apr_7")));
        assertThat(ref).startsWith("card:apprentice-");
        var send = fake.calls("/v1.0/im/v1.0/robot/interactiveCards/send");
        assertThat(send).singleElement().satisfies(c -> {
            assertThat(c.body().path("cardTemplateId").asText()).isEqualTo("StandardCard");
            assertThat(c.body().path("openConversationId").asText()).isEqualTo("cidGroup123==");
            assertThat(c.body().path("callbackRouteKey").asText()).isEqualTo("apprentice");
            assertThat("card:" + c.body().path("cardBizId").asText()).isEqualTo(ref);
            var card = Json.tree(c.body().path("cardData").asText());
            assertThat(card.path("contents").path(0).path("text").asText()).isEqualTo("Allow it?");
            var buttons = card.path("contents").path(1).path("actions");
            assertThat(buttons).hasSize(3);
            assertThat(buttons.path(0).path("id").asText()).isEqualTo("approve_once__apr_7");
            assertThat(buttons.path(0).path("actionType").asText()).isEqualTo("request");
            assertThat(buttons.path(2).path("label").path("text").asText()).isEqualTo("Deny");
        });

        p.update(m.place(), ref, Outgoing.text("Allowed once by boss"));
        assertThat(fake.calls("/v1.0/im/robots/interactiveCards")).singleElement().satisfies(c -> {
            assertThat(c.method()).isEqualTo("PUT");
            assertThat("card:" + c.body().path("cardBizId").asText()).isEqualTo(ref);
            assertThat(Json.tree(c.body().path("cardData").asText()).path("contents")).hasSize(1);
        });

        var bizId = ref.substring(5);
        var press = p.receive(signed(Json.write(Payloads.cardCallback(bizId, "boss", "deny__apr_7", "deny", "apr_7")), FakeDingTalk.APP_SECRET,
                System.currentTimeMillis()));
        var a = (ChatEvent.Action) press.events().get(0);
        assertThat(a.action()).isEqualTo(Button.DENY);
        assertThat(a.value()).isEqualTo("apr_7");
        assertThat(a.place()).isEqualTo(m.place()); // answered where the card is
        assertThat(a.messageRef()).isEqualTo(ref);
    }

    @Test
    void aPlainMessageCannotBeEditedSoItsUpdateIsPostedAnewAndCardsAllMakesEveryMessageEditable() throws Exception {
        var p = platform(Map.of());
        var m = message(p, Payloads.group("m1", "user123", "hi", webhook(), valid()));
        var ref = p.post(m.place(), Outgoing.text("Working on it…"));
        p.update(m.place(), ref, Outgoing.text("step 2"));
        assertThat(fake.calls("/robot/sendBySession")).hasSize(2);

        var all = platform(Map.of("cards", "all"));
        var cardRef = all.post(m.place(), Outgoing.text("Working on it…"));
        all.update(m.place(), cardRef, Outgoing.text("step 2"));
        assertThat(cardRef).startsWith("card:");
        assertThat(fake.calls("/v1.0/im/robots/interactiveCards")).hasSize(1);
        assertThat(fake.calls("/robot/sendBySession")).hasSize(2);
    }

    @Test
    void attachmentsAreFetchedThroughTheDownloadCodeWithinTheLimit() throws Exception {
        var p = platform(Map.of());
        var a = new ChatEvent.Attachment("report.txt", 0, "dc-1");
        assertThat(new String(p.download(a, 1000), StandardCharsets.UTF_8)).isEqualTo("hello from a file");
        assertThat(fake.calls("/v1.0/robot/messageFiles/download")).singleElement()
                .satisfies(c -> assertThat(c.body().path("downloadCode").asText()).isEqualTo("dc-1"));
        assertThatThrownBy(() -> p.download(a, 5)).isInstanceOf(ChatException.class).hasMessageContaining("larger than 5 bytes");
    }

    @Test
    void checkFetchesATokenAndSaysWhatIsWrong() throws Exception {
        assertThat(platform(Map.of()).check()).contains("accepted app key " + FakeDingTalk.APP_KEY);
        assertThat(platform(Map.of("mode", "stream")).check()).contains("Stream gateway accepts");
        var wrong = DingTalkPlatform.create(config(fake.url(), Map.of()), Map.of("DT_KEY", FakeDingTalk.APP_KEY, "DT_SECRET", "wrong"));
        assertThatThrownBy(wrong::check).isInstanceOf(ChatException.class).hasMessageContaining("400").hasMessageContaining("invalidClientSecret");
        assertThatThrownBy(() -> DingTalkPlatform.create(config(fake.url(), Map.of()), Map.of("DT_KEY", "k")))
                .isInstanceOf(ChatException.class).hasMessageContaining("DT_SECRET");
        assertThatThrownBy(() -> platform(Map.of("mode", "socket"))).hasMessageContaining("http or stream");
        assertThat(fake.calls("/v1.0/oauth2/accessToken")).hasSize(3);
    }
}
