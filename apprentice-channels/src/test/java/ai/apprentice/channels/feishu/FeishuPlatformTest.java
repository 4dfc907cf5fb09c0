package ai.apprentice.channels.feishu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.apprentice.channels.Button;
import ai.apprentice.channels.ChannelConfig;
import ai.apprentice.channels.ChatEvent;
import ai.apprentice.channels.ChatException;
import ai.apprentice.channels.ChatPlatform;
import ai.apprentice.channels.Outgoing;
import ai.apprentice.json.Json;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class FeishuPlatformTest {
    static final Map<String, String> ENV = Map.of("FS_ID", FakeFeishu.APP_ID, "FS_SECRET", FakeFeishu.APP_SECRET, "FS_TOKEN", Payloads.VERIFICATION_TOKEN,
            "FS_KEY", Payloads.ENCRYPT_KEY);
    private final FakeFeishu fake = new FakeFeishu();

    @AfterEach
    void stop() {
        fake.close();
    }

    static ChannelConfig config(String url, Map<String, String> extra) {
        var s = new HashMap<>(Map.of("app_id_env", "FS_ID", "app_secret_env", "FS_SECRET", "verification_token_env", "FS_TOKEN", "encrypt_key_env", "FS_KEY",
                "api_base_url", url));
        s.putAll(extra);
        s.values().removeIf(String::isEmpty);
        return new ChannelConfig("feishu", "feishu", s, "", Set.of("ou_alice"), Set.of(), Set.of(), Set.of(), Map.of(), 0, "person", 10_000_000);
    }

    private FeishuPlatform platform(Map<String, String> extra) throws ChatException {
        return FeishuPlatform.create(config(fake.url(), extra), ENV);
    }

    private static String body(ChatPlatform.Received r) {
        return new String(r.response().body(), StandardCharsets.UTF_8);
    }

    @Test
    void theUrlVerificationIsAnsweredWithItsChallengeOnlyWithTheRightToken() throws Exception {
        var p = platform(Map.of());
        var ok = p.receive(Payloads.request(Payloads.encrypted(Json.write(Payloads.urlVerification("ch-123", Payloads.VERIFICATION_TOKEN)),
                Payloads.ENCRYPT_KEY), Map.of()));
        assertThat(ok.refusal()).isNull();
        assertThat(Json.tree(body(ok)).path("challenge").asText()).isEqualTo("ch-123");
        assertThat(ok.events()).isEmpty();

        var plain = platform(Map.of("encrypt_key_env", "")).receive(Payloads.request(Json.write(Payloads.urlVerification("ch-9", Payloads.VERIFICATION_TOKEN)), Map.of()));
        assertThat(Json.tree(body(plain)).path("challenge").asText()).isEqualTo("ch-9");

        var wrong = p.receive(Payloads.request(Payloads.encrypted(Json.write(Payloads.urlVerification("ch-123", "guess")), Payloads.ENCRYPT_KEY), Map.of()));
        assertThat(wrong.response().status()).isEqualTo(401);
        assertThat(wrong.refusal()).contains("verification token");
        assertThat(body(wrong)).doesNotContain("ch-123");
    }

    @Test
    void anEncryptedSignedEventIsReadAndBadSignaturesExpiredTimestampsAndOtherKeysAreRefused() throws Exception {
        var p = platform(Map.of());
        var event = Payloads.mention("ev1", "ou_alice", "om_m1", "what is the answer?");
        var ok = p.receive(Payloads.sealed(event));
        assertThat(ok.refusal()).isNull();
        var m = (ChatEvent.Message) ok.events().get(0);
        assertThat(m.eventId()).isEqualTo("ev1");
        assertThat(m.text()).isEqualTo("what is the answer?");
        assertThat(m.mentioned()).isTrue();
        assertThat(m.direct()).isFalse();
        assertThat(m.from()).isEqualTo(new ChatEvent.Person("ou_alice", "ou_alice", false));
        assertThat(m.place().team()).isEqualTo(FakeFeishu.TENANT);
        assertThat(m.place().channel()).isEqualTo(Payloads.CHAT);
        assertThat(m.place().thread()).isEqualTo("om_m1");

        var body = Payloads.encrypted(Json.write(event), Payloads.ENCRYPT_KEY);
        var now = System.currentTimeMillis() / 1000;
        var forged = p.receive(Payloads.request(body, Payloads.signature(body, "another-key", now)));
        assertThat(forged.response().status()).isEqualTo(401);
        assertThat(forged.refusal()).contains("X-Lark-Signature does not match");
        assertThat(forged.events()).isEmpty();
        var tampered = p.receive(Payloads.request(body.replace("\"}", "A\"}"), Payloads.signature(body, Payloads.ENCRYPT_KEY, now)));
        assertThat(tampered.response().status()).isEqualTo(401);
        var expired = p.receive(Payloads.request(body, Payloads.signature(body, Payloads.ENCRYPT_KEY, now - 2 * 3600)));
        assertThat(expired.response().status()).isEqualTo(401);
        assertThat(expired.refusal()).contains("expired");
        var unsigned = p.receive(Payloads.request(body, Map.of()));
        assertThat(unsigned.response().status()).isEqualTo(401);
        assertThat(unsigned.refusal()).contains("X-Lark-Signature header is missing");
        // signed right, but encrypted with another key: not from this app's subscription
        var otherKey = Payloads.encrypted(Json.write(event), "another-key");
        var undecryptable = p.receive(Payloads.request(otherKey, Payloads.signature(otherKey, Payloads.ENCRYPT_KEY, now)));
        assertThat(undecryptable.response().status()).isEqualTo(401);
        assertThat(undecryptable.refusal()).contains("could not be decrypted");
        // the right key and signature, the wrong verification token inside
        var wrongToken = event.deepCopy();
        ((ObjectNode) wrongToken.path("header")).put("token", "guess");
        assertThat(p.receive(Payloads.sealed(wrongToken)).response().status()).isEqualTo(401);
    }

    @Test
    void withoutAnEncryptKeyThePlainEventsVerificationTokenDecides() throws Exception {
        var p = platform(Map.of("encrypt_key_env", ""));
        var event = Payloads.mention("ev1", "ou_alice", "om_m1", "hi");
        assertThat(p.receive(Payloads.request(Json.write(event), Map.of())).events()).hasSize(1);
        ((ObjectNode) event.path("header")).put("token", "guess");
        assertThat(p.receive(Payloads.request(Json.write(event), Map.of())).response().status()).isEqualTo(401);
        var encrypted = p.receive(Payloads.request(Payloads.encrypted(Json.write(event), Payloads.ENCRYPT_KEY), Map.of()));
        assertThat(encrypted.response().status()).isEqualTo(400);
        assertThat(encrypted.refusal()).contains("encrypt_key_env is not set");
    }

    @Test
    void malformedBodiesAreRefusedAndUnknownEventsIgnoredWithTheirReason() throws Exception {
        var p = platform(Map.of("encrypt_key_env", ""));
        var notJson = p.receive(Payloads.request("{\"schema\": ", Map.of()));
        assertThat(notJson.response().status()).isEqualTo(400);
        assertThat(body(notJson)).doesNotContain("Exception");
        var noEventId = Payloads.mention("ev1", "ou_alice", "om_m1", "hi");
        ((ObjectNode) noEventId.path("header")).remove("event_id");
        assertThat(p.receive(Payloads.request(Json.write(noEventId), Map.of())).refusal()).contains("event_id");
        var noChat = Payloads.mention("ev2", "ou_alice", "om_m1", "hi");
        ((ObjectNode) noChat.path("event").path("message")).remove("chat_id");
        assertThat(p.receive(Payloads.request(Json.write(noChat), Map.of())).response().status()).isEqualTo(400);

        var other = Payloads.mention("ev3", "ou_alice", "om_m1", "hi");
        ((ObjectNode) other.path("header")).put("event_type", "im.chat.member.bot.added_v1");
        var ignored = p.receive(Payloads.request(Json.write(other), Map.of()));
        assertThat(ignored.response().status()).isEqualTo(200);
        assertThat(ignored.events()).isEmpty();
        assertThat(body(ignored)).contains("im.chat.member.bot.added_v1");
        var sticker = Payloads.message("ev4", "ou_alice", "om_m4", "p2p", "sticker", "{\"file_key\":\"x\"}");
        assertThat(body(p.receive(Payloads.request(Json.write(sticker), Map.of())))).contains("sticker");
        var oldSchema = Json.object().put("uuid", "u1").put("token", Payloads.VERIFICATION_TOKEN).put("type", "event_callback");
        assertThat(body(p.receive(Payloads.request(Json.write(oldSchema), Map.of())))).contains("schema 2.0");
    }

    private ChatEvent.Message message(FeishuPlatform p, ObjectNode payload) throws Exception {
        return (ChatEvent.Message) p.receive(Payloads.sealed(payload)).events().get(0);
    }

    @Test
    void messagesAreReadFromTextPostsImagesAndFilesAndBotsAreMarked() throws Exception {
        var p = platform(Map.of());
        var post = Json.object().put("title", "Report");
        var line = post.putArray("content").addArray();
        line.addObject().put("tag", "at").put("user_id", "@_user_1").put("user_name", "apprentice");
        line.addObject().put("tag", "text").put("text", " summarise this");
        line.addObject().put("tag", "img").put("image_key", "img_v2_k1");
        var withPost = Payloads.message("ev1", "ou_alice", "om_p1", "group", "post", Json.write(post));
        var mentions = ((ObjectNode) withPost.path("event").path("message")).putArray("mentions");
        mentions.addObject().put("key", "@_user_1").put("name", "apprentice").putObject("id").put("open_id", FakeFeishu.BOT_OPEN_ID);
        var m = message(p, withPost);
        assertThat(m.mentioned()).isTrue();
        assertThat(m.text()).isEqualTo("Report\n summarise this");
        assertThat(m.attachments()).singleElement().satisfies(a -> assertThat(a.url()).isEqualTo("om_p1/img_v2_k1?type=image"));

        // another person mentioned, not the bot: not a task for the intern, and the name stays in the text
        var other = Payloads.mention("ev2", "ou_alice", "om_m2", "look at this");
        ((ObjectNode) other.path("event").path("message").path("mentions").path(0)).put("name", "Bob").putObject("id").put("open_id", "ou_bob");
        var notMe = message(p, other);
        assertThat(notMe.mentioned()).isFalse();
        assertThat(notMe.text()).isEqualTo("@Bob look at this");

        // ten people mentioned: @_user_10 is Carol, not the bot followed by a 0; the indentation of code is kept
        var many = Payloads.message("ev6", "ou_alice", "om_m6", "group", "text",
                Json.write(Json.object().put("text", "@_user_1 ask @_user_10 about:\n    if x:\n        y()")));
        var ms = ((ObjectNode) many.path("event").path("message")).putArray("mentions");
        ms.addObject().put("key", "@_user_1").put("name", "apprentice").putObject("id").put("open_id", FakeFeishu.BOT_OPEN_ID);
        ms.addObject().put("key", "@_user_10").put("name", "Carol").putObject("id").put("open_id", "ou_carol");
        assertThat(message(p, many).text()).isEqualTo("ask @Carol about:\n    if x:\n        y()");

        var file = message(p, Payloads.message("ev3", "ou_alice", "om_f1", "p2p", "file", "{\"file_key\":\"file_v2_9\",\"file_name\":\"data.csv\"}"));
        assertThat(file.direct()).isTrue();
        assertThat(file.place().thread()).isNull();
        assertThat(file.attachments()).singleElement().satisfies(a -> {
            assertThat(a.name()).isEqualTo("data.csv");
            assertThat(a.url()).isEqualTo("om_f1/file_v2_9?type=file");
        });

        var bot = Payloads.mention("ev4", "ou_otherbot", "om_b1", "hello");
        ((ObjectNode) bot.path("event").path("sender")).put("sender_type", "app");
        assertThat(message(p, bot).from().bot()).isTrue();

        var threaded = message(p, Payloads.inThread(Payloads.mention("ev5", "ou_alice", "om_t2", "more"), "om_t1", "omt_1"));
        assertThat(threaded.place().thread()).isEqualTo("om_t1");
        assertThat(threaded.place().reply()).containsEntry(FeishuEvents.REPLY_TO, "om_t2").containsEntry(FeishuEvents.IN_THREAD, "true");
        assertThat(fake.calls("GET", "/open-apis/bot/v3/info")).as("the bot's open_id is asked once").hasSize(1);
    }

    @Test
    void everyMessageIsACardRepliedToTheMessageThatAskedAndUpdatedInPlace() throws Exception {
        var p = platform(Map.of());
        var top = message(p, Payloads.mention("ev1", "ou_alice", "om_m1", "hi"));
        var ref = p.post(top.place(), Outgoing.text("**Working** on it…"));
        assertThat(ref).startsWith("om_sent");
        assertThat(fake.calls("POST", "/open-apis/im/v1/messages/om_m1/reply")).singleElement().satisfies(c -> {
            assertThat(c.header("Authorization")).isEqualTo("Bearer " + FakeFeishu.TOKEN);
            assertThat(c.body().path("msg_type").asText()).isEqualTo("interactive");
            assertThat(c.body().path("reply_in_thread").asBoolean()).isFalse();
            assertThat(c.body().path("uuid").asText()).isNotEmpty();
            assertThat(c.card().path("config").path("update_multi").asBoolean()).isTrue();
            assertThat(c.cardText()).isEqualTo("**Working** on it…");
        });
        p.update(top.place(), ref, new Outgoing("The answer.", Button.feedback("run_1")));
        assertThat(fake.calls("PATCH", "/open-apis/im/v1/messages/" + ref)).singleElement().satisfies(c -> {
            assertThat(c.cardText()).isEqualTo("The answer.");
            var buttons = c.card().path("elements").path(1).path("actions");
            assertThat(buttons).hasSize(3);
            assertThat(buttons.path(0).path("value").path("action").asText()).isEqualTo(Button.GOOD);
            assertThat(buttons.path(0).path("value").path("value").asText()).isEqualTo("run_1");
        });

        var threaded = message(p, Payloads.inThread(Payloads.mention("ev2", "ou_alice", "om_t2", "more"), "om_t1", "omt_1"));
        p.post(threaded.place(), Outgoing.text("in the thread"));
        assertThat(fake.calls("POST", "/open-apis/im/v1/messages/om_t2/reply")).singleElement()
                .satisfies(c -> assertThat(c.body().path("reply_in_thread").asBoolean()).isTrue());

        // a place without a message to reply to: a new message in the chat
        p.post(new ChatEvent.Place(FakeFeishu.TENANT, "oc_chat9", null), Outgoing.text("hello"));
        assertThat(fake.calls("POST", "/open-apis/im/v1/messages")).filteredOn(c -> c.path().equals("/open-apis/im/v1/messages")).singleElement()
                .satisfies(c -> {
                    assertThat(c.query()).isEqualTo("receive_id_type=chat_id");
                    assertThat(c.body().path("receive_id").asText()).isEqualTo("oc_chat9");
                });
        assertThat(fake.calls("POST", "/open-apis/auth/v3/tenant_access_token")).as("the token is kept").hasSize(1);
    }

    @Test
    void aPressOnACardComesBackAsAnActionWhereTheCardWas() throws Exception {
        var p = platform(Map.of());
        var m = message(p, Payloads.inThread(Payloads.mention("ev1", "ou_alice", "om_t2", "hi"), "om_t1", null));
        var ref = p.post(m.place(), new Outgoing("Allow it?", Button.approval("apr_7")));
        var press = p.receive(Payloads.sealed(Payloads.cardAction("ev2", "ou_boss", ref, Button.DENY, "apr_7")));
        assertThat(Json.tree(body(press)).isEmpty()).as("an empty card answer").isTrue();
        var a = (ChatEvent.Action) press.events().get(0);
        assertThat(a.eventId()).isEqualTo("ev2");
        assertThat(a.action()).isEqualTo(Button.DENY);
        assertThat(a.value()).isEqualTo("apr_7");
        assertThat(a.from().id()).isEqualTo("ou_boss");
        assertThat(a.place()).isEqualTo(m.place());
        assertThat(a.messageRef()).isEqualTo(ref);

        var unknownCard = (ChatEvent.Action) p.receive(Payloads.sealed(Payloads.cardAction("ev3", "ou_boss", "om_old", Button.GOOD, "run_1"))).events().get(0);
        assertThat(unknownCard.place().channel()).isEqualTo(Payloads.CHAT);
        assertThat(unknownCard.place().reply()).containsEntry(FeishuEvents.REPLY_TO, "om_old");

        var foreign = Payloads.cardAction("ev4", "ou_boss", ref, "x", "y");
        ((ObjectNode) foreign.path("event").path("action")).putObject("value").put("something", "else");
        assertThat(p.receive(Payloads.sealed(foreign)).events()).isEmpty();
        var oldFormat = Json.object().put("open_id", "ou_boss").put("open_message_id", ref).put("token", Payloads.VERIFICATION_TOKEN);
        oldFormat.putObject("action").putObject("value").put("action", Button.DENY).put("value", "apr_7");
        var old = platform(Map.of("encrypt_key_env", "")).receive(Payloads.request(Json.write(oldFormat), Map.of()));
        assertThat(old.events()).isEmpty();
        assertThat(body(old)).contains("card.action.trigger");
    }

    @Test
    void attachmentsAreFetchedAsMessageResourcesWithinTheLimitAndLongAnswersUploadedAsFiles() throws Exception {
        var p = platform(Map.of());
        var a = FeishuEvents.resource("report.txt", "om_f1", "file_v2_9", "file");
        assertThat(new String(p.download(a, 1000), StandardCharsets.UTF_8)).isEqualTo("hello from a file");
        assertThat(fake.calls("GET", "/open-apis/im/v1/messages/om_f1/resources/file_v2_9")).singleElement()
                .satisfies(c -> assertThat(c.query()).isEqualTo("type=file"));
        assertThatThrownBy(() -> p.download(a, 5)).isInstanceOf(ChatException.class).hasMessageContaining("larger than 5 bytes");
        assertThatThrownBy(() -> p.download(new ChatEvent.Attachment("x", 0, "../../auth?type=file"), 100)).hasMessageContaining("not a message resource");

        var m = message(p, Payloads.mention("ev1", "ou_alice", "om_m1", "hi"));
        p.upload(m.place(), "answer-run_1.md", "# A long answer", "The answer of run run_1");
        assertThat(fake.uploads).singleElement().satisfies(u -> {
            assertThat(u).containsEntry("file_type", "stream").containsEntry("file_name", "answer-run_1.md").containsEntry("file", "# A long answer");
        });
        assertThat(fake.calls("POST", "/open-apis/im/v1/messages/om_m1/reply")).extracting(c -> c.body().path("msg_type").asText())
                .containsExactly("interactive", "file");
        assertThat(fake.calls("POST", "/open-apis/im/v1/messages/om_m1/reply").get(1).body().path("content").asText()).contains("file_v2_up1");
    }

    @Test
    void checkFetchesATokenAndTheBotAndSaysWhatIsWrong() throws Exception {
        assertThat(platform(Map.of()).check()).contains("accepted app " + FakeFeishu.APP_ID).contains("the bot is apprentice (" + FakeFeishu.BOT_OPEN_ID);
        assertThat(platform(Map.of("encrypt_key_env", "")).check()).contains("verification token only");
        assertThat(platform(Map.of("mode", "long_connection")).check()).contains("long connection endpoint");
        var wrong = new HashMap<>(ENV);
        wrong.put("FS_SECRET", "wrong");
        var bad = FeishuPlatform.create(config(fake.url(), Map.of()), wrong);
        assertThatThrownBy(bad::check).isInstanceOf(ChatException.class).hasMessageContaining("400").hasMessageContaining("10014")
                .hasMessageContaining("app secret invalid");
        assertThatThrownBy(() -> FeishuPlatform.create(config(fake.url(), Map.of()), Map.of("FS_ID", "x")))
                .isInstanceOf(ChatException.class).hasMessageContaining("FS_SECRET");
        assertThatThrownBy(() -> platform(Map.of("mode", "socket"))).hasMessageContaining("http or long_connection");
        assertThatThrownBy(() -> platform(Map.of("api_base_url", "ftp://x"))).hasMessageContaining("api_base_url");
        // over the long connection no verification token is needed; over HTTP it is
        var noToken = new HashMap<>(ENV);
        noToken.remove("FS_TOKEN");
        assertThat(FeishuPlatform.create(config(fake.url(), Map.of("mode", "long_connection", "verification_token_env", "", "encrypt_key_env", "")), noToken))
                .isNotNull();
        assertThatThrownBy(() -> FeishuPlatform.create(config(fake.url(), Map.of("verification_token_env", "")), noToken))
                .hasMessageContaining("verification_token_env");
    }
}
