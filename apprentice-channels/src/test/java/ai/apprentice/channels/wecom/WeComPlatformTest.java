package ai.apprentice.channels.wecom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.apprentice.channels.Button;
import ai.apprentice.channels.ChannelConfig;
import ai.apprentice.channels.ChatEvent;
import ai.apprentice.channels.ChatException;
import ai.apprentice.channels.Outgoing;
import ai.apprentice.server.Inbound;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The WeCom platform against the loopback fake: callbacks verified and read, messages, cards and their edits sent. */
class WeComPlatformTest {
    private final FakeWeCom fake = new FakeWeCom();
    private final ChatEvent.Place place = new ChatEvent.Place(FakeWeCom.CORP_ID, "zhangsan", null);

    @AfterEach
    void stop() {
        fake.close();
    }

    static ChannelConfig config(String url, Map<String, String> extra) {
        var s = new HashMap<>(Map.of("corp_id", FakeWeCom.CORP_ID, "agent_id", String.valueOf(FakeWeCom.AGENT_ID), "corp_secret_env", "WECOM_SECRET",
                "token_env", "WECOM_TOKEN", "encoding_aes_key_env", "WECOM_AES_KEY", "api_base_url", url));
        s.putAll(extra);
        return new ChannelConfig("wecom", "wecom", s, "", Set.of("zhangsan"), Set.of(), Set.of(), Set.of(), Map.of(), 0, "person", 10_000_000);
    }

    private WeComPlatform platform() throws ChatException {
        return WeComPlatform.create(config(fake.url(), Map.of()), FakeWeCom.ENV);
    }

    private static Inbound.Request get(Map<String, String> query) {
        return new Inbound.Request("GET", "/channels/wecom/events", Map.of(), query, new byte[0], "127.0.0.1");
    }

    @Test
    void theUrlVerificationIsAnsweredWithTheDecryptedEchostrAndAForgedOneIsRefused() throws Exception {
        var p = platform();
        var echo = fake.crypto.encrypt("8843502847193712");
        var query = Map.of("msg_signature", fake.crypto.signature("1700000000", "42", echo), "timestamp", "1700000000", "nonce", "42", "echostr", echo);
        var ok = p.receive(get(query));
        assertThat(ok.refusal()).isNull();
        assertThat(ok.response().status()).isEqualTo(200);
        assertThat(new String(ok.response().body(), StandardCharsets.UTF_8)).isEqualTo("8843502847193712");
        assertThat(ok.response().contentType()).startsWith("text/plain");

        var forged = new HashMap<>(query);
        forged.put("msg_signature", new WeComCrypto("guess", FakeWeCom.AES_KEY, FakeWeCom.CORP_ID).signature("1700000000", "42", echo));
        assertThat(p.receive(get(forged)).response().status()).isEqualTo(401);
        assertThat(p.receive(get(Map.of("timestamp", "1", "nonce", "2", "echostr", echo))).response().status()).isEqualTo(401);
        var noEcho = new HashMap<>(query);
        noEcho.remove("echostr");
        assertThat(p.receive(get(noEcho)).refusal()).contains("echostr");
    }

    @Test
    void aSignedTextMessageIsADirectMessageAnsweredWithAnEmptyBody() throws Exception {
        var r = platform().receive(fake.callback(FakeWeCom.text("4561255354251345929", "zhangsan", "what is the answer?"), FakeWeCom.TOKEN).request());
        assertThat(r.refusal()).isNull();
        assertThat(r.response().status()).isEqualTo(200);
        assertThat(r.response().body()).isEmpty();
        var m = (ChatEvent.Message) r.events().get(0);
        assertThat(m.eventId()).isEqualTo("msg:4561255354251345929");
        assertThat(m.text()).isEqualTo("what is the answer?");
        assertThat(m.direct()).isTrue();
        assertThat(m.from()).isEqualTo(new ChatEvent.Person("zhangsan", "zhangsan", false));
        assertThat(m.place()).isEqualTo(place);
    }

    @Test
    void forgedMalformedAndMisdirectedCallbacksAreRefusedWithAReason() throws Exception {
        var p = platform();
        var forged = p.receive(fake.callback(FakeWeCom.text("1", "zhangsan", "hi"), "guess").request());
        assertThat(forged.response().status()).isEqualTo(401);
        assertThat(forged.refusal()).contains("msg_signature does not match");
        assertThat(new String(forged.response().body(), StandardCharsets.UTF_8)).doesNotContain("Exception");

        var good = fake.callback(FakeWeCom.text("1", "zhangsan", "hi"), FakeWeCom.TOKEN);
        var unsigned = new Inbound.Request("POST", "/", Map.of(), Map.of(), good.body().getBytes(StandardCharsets.UTF_8), "127.0.0.1");
        assertThat(p.receive(unsigned).response().status()).isEqualTo(401);

        assertThat(p.receive(withBody(good, "not xml")).response().status()).isEqualTo(400);
        assertThat(p.receive(withBody(good, "<xml><ToUserName>x</ToUserName></xml>")).refusal()).contains("no <Encrypt>");
        var xxe = "<?xml version=\"1.0\"?><!DOCTYPE xml [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><xml><Encrypt>&e;</Encrypt></xml>";
        assertThat(p.receive(withBody(good, xxe)).response().status()).isEqualTo(400);

        // signed with the right token, but encrypted for another corporation (receiveid)
        var other = new WeComCrypto(FakeWeCom.TOKEN, FakeWeCom.AES_KEY, "wwOTHERCORP");
        var encrypted = other.encrypt(FakeWeCom.text("2", "zhangsan", "hi"));
        var q = Map.of("msg_signature", other.signature("1700000000", "7", encrypted), "timestamp", "1700000000", "nonce", "7");
        var misdirected = p.receive(new Inbound.Request("POST", "/", Map.of(), q, WeComXml.document(Map.of("Encrypt", encrypted)).getBytes(StandardCharsets.UTF_8), "x"));
        assertThat(misdirected.response().status()).isEqualTo(400);
        assertThat(misdirected.refusal()).contains("receiveid 'wwOTHERCORP'");

        var otherApp = FakeWeCom.text("3", "zhangsan", "hi").replace("<AgentID>" + FakeWeCom.AGENT_ID, "<AgentID>99");
        assertThat(p.receive(fake.callback(otherApp, FakeWeCom.TOKEN).request()).refusal()).contains("not agent_id " + FakeWeCom.AGENT_ID);
    }

    private static Inbound.Request withBody(FakeWeCom.Callback c, String body) {
        return new Inbound.Request("POST", "/", Map.of(), c.query(), body.getBytes(StandardCharsets.UTF_8), "127.0.0.1");
    }

    @Test
    void otherMessageTypesAndEventsAreAnsweredAndIgnored() throws Exception {
        var enter = WeComXml.document(Map.of("ToUserName", FakeWeCom.CORP_ID, "FromUserName", "zhangsan", "CreateTime", 1408091189, "MsgType", "event",
                "Event", "enter_agent", "EventKey", "", "AgentID", FakeWeCom.AGENT_ID));
        var r = platform().receive(fake.callback(enter, FakeWeCom.TOKEN).request());
        assertThat(r.refusal()).isNull();
        assertThat(r.response().status()).isEqualTo(200);
        assertThat(r.events()).isEmpty();
    }

    @Test
    void messagesGoToThePersonAsMarkdownWithACachedTokenRenewedWhenWeComSaysItExpired() throws Exception {
        var p = platform();
        assertThat(p.post(place, Outgoing.text("*hello*"))).isEqualTo("msg1");
        p.post(place, Outgoing.text("again"));
        assertThat(fake.calls("/cgi-bin/gettoken")).hasSize(1);
        var first = fake.sent().get(0);
        assertThat(first.path("touser").asText()).isEqualTo("zhangsan");
        assertThat(first.path("agentid").asInt()).isEqualTo(FakeWeCom.AGENT_ID);
        assertThat(first.path("msgtype").asText()).isEqualTo("markdown");
        assertThat(first.path("markdown").path("content").asText()).isEqualTo("*hello*");

        fake.expireNextToken = true;
        assertThat(p.post(place, Outgoing.text("after expiry"))).isNotBlank();
        assertThat(fake.calls("/cgi-bin/gettoken")).hasSize(2);
        assertThat(fake.sent().get(fake.sent().size() - 1).path("markdown").path("content").asText()).isEqualTo("after expiry");

        var text = WeComPlatform.create(config(fake.url(), Map.of("message_type", "text")), FakeWeCom.ENV);
        text.post(place, Outgoing.text("plain"));
        assertThat(fake.sent().get(fake.sent().size() - 1).path("text").path("content").asText()).isEqualTo("plain");
    }

    @Test
    void buttonsBecomeACardWhosePressIsAnActionAndTheCardIsUpdatedWithThePressResponseCode() throws Exception {
        var p = platform();
        var ref = p.post(place, new Outgoing("Allow it?", Button.approval("ap_1")));
        assertThat(fake.sent()).hasSize(1);
        var card = fake.sent().get(0).path("template_card");
        assertThat(fake.sent().get(0).path("msgtype").asText()).isEqualTo("template_card");
        assertThat(card.path("card_type").asText()).isEqualTo("button_interaction");
        assertThat(card.path("sub_title_text").asText()).isEqualTo("Allow it?");
        assertThat(card.path("button_list")).extracting(b -> b.path("key").asText())
                .containsExactly("approve_once:ap_1", "approve_always:ap_1", "deny:ap_1");
        assertThat(card.path("button_list")).allSatisfy(b -> assertThat(b.path("text").asText().length()).isLessThanOrEqualTo(WeComPlatform.BUTTON_TEXT));
        var task = card.path("task_id").asText();
        assertThat(task).matches("[A-Za-z0-9_\\-@]{1,128}");
        assertThat(ref).isEqualTo("msg1|" + task);

        var press = p.receive(fake.callback(FakeWeCom.cardEvent("lisi", "deny:ap_1", task, "rc-press-1"), FakeWeCom.TOKEN).request());
        var a = (ChatEvent.Action) press.events().get(0);
        assertThat(a.action()).isEqualTo(Button.DENY);
        assertThat(a.value()).isEqualTo("ap_1");
        assertThat(a.from().id()).isEqualTo("lisi");
        assertThat(a.messageRef()).isEqualTo(ref);
        assertThat(a.eventId()).startsWith("card:lisi:");

        p.update(place, ref, Outgoing.text("❌ Denied by lisi"));
        var update = fake.calls("/cgi-bin/message/update_template_card").get(0).body();
        assertThat(update.path("response_code").asText()).isEqualTo("rc-press-1");
        assertThat(update.path("agentid").asInt()).isEqualTo(FakeWeCom.AGENT_ID);
        assertThat(update.path("userids").path(0).asText()).isEqualTo("zhangsan");
        assertThat(update.path("button").path("replace_name").asText()).isEqualTo("❌ Denied by lisi");
        // the code works once: a second edit recalls the card and posts anew
        p.update(place, ref, Outgoing.text("again"));
        assertThat(fake.calls("/cgi-bin/message/update_template_card")).hasSize(1);
        assertThat(fake.calls("/cgi-bin/message/recall").get(0).body().path("msgid").asText()).isEqualTo("msg1");
    }

    @Test
    void aLongTextWithButtonsGoesBeforeTheCardAndAnEditWithButtonsReplacesTheWholeCard() throws Exception {
        var p = platform();
        var long_ = "The answer. ".repeat(20) + "\n\n_run r1 · 1 steps · $0.0000_";
        var ref = p.post(place, new Outgoing(long_, Button.feedback("r1")));
        assertThat(fake.sent()).hasSize(2);
        assertThat(fake.sent().get(0).path("markdown").path("content").asText()).isEqualTo(long_);
        assertThat(fake.sent().get(1).path("template_card").path("sub_title_text").asText()).isEqualTo("_run r1 · 1 steps · $0.0000_");

        p.update(place, ref, new Outgoing("Pick again", Button.feedback("r2")));
        var update = fake.calls("/cgi-bin/message/update_template_card").get(0).body();
        assertThat(update.path("response_code").asText()).startsWith("rc-send-");
        assertThat(update.path("template_card").path("sub_title_text").asText()).isEqualTo("Pick again");
        assertThat(update.path("template_card").path("button_list").path(0).path("key").asText()).isEqualTo("feedback_good:r2");
    }

    @Test
    void anEditOfAPlainMessageRecallsTheLatestVersionAndPostsTheNewOne() throws Exception {
        var p = platform();
        var ref = p.post(place, Outgoing.text("Working on it…"));
        p.update(place, ref, Outgoing.text("Working on it… step 2"));
        p.update(place, ref, Outgoing.text("Done."));
        assertThat(fake.calls("/cgi-bin/message/recall")).extracting(c -> c.body().path("msgid").asText()).containsExactly("msg1", "msg2");
        assertThat(fake.sent()).extracting(m -> m.path("markdown").path("content").asText())
                .containsExactly("Working on it…", "Working on it… step 2", "Done.");
    }

    @Test
    void aLongAnswerIsUploadedAsAFileAndImagesAreDownloaded() throws Exception {
        var p = platform();
        p.upload(place, "answer-r1.md", "# Long\n" + "text ".repeat(1000), "The answer of run r1");
        var upload = fake.calls("/cgi-bin/media/upload").get(0);
        assertThat(upload.query()).containsEntry("type", "file");
        var multipart = new String(upload.raw(), StandardCharsets.UTF_8);
        assertThat(multipart).contains("name=\"media\"; filename=\"answer-r1.md\"").contains("# Long\ntext text");
        var file = fake.sent().get(1);
        assertThat(file.path("msgtype").asText()).isEqualTo("file");
        assertThat(file.path("file").path("media_id").asText()).isEqualTo("media-up-1");

        var image = WeComXml.document(Map.of("ToUserName", FakeWeCom.CORP_ID, "FromUserName", "zhangsan", "CreateTime", FakeWeCom.now(), "MsgType", "image",
                "PicUrl", "http://example.invalid/p.png", "MediaId", "media-1", "MsgId", 77L, "AgentID", FakeWeCom.AGENT_ID));
        var m = (ChatEvent.Message) p.receive(fake.callback(image, FakeWeCom.TOKEN).request()).events().get(0);
        var attachment = m.attachments().get(0);
        assertThat(new String(p.download(attachment, 1000), StandardCharsets.UTF_8)).isEqualTo("png bytes");
        assertThatThrownBy(() -> p.download(attachment, 3)).hasMessageContaining("larger than 3 bytes");
        assertThatThrownBy(() -> p.download(new ChatEvent.Attachment("x", 1, fake.url() + "/x"), 10)).hasMessageContaining("not a WeCom media");
        assertThatThrownBy(() -> p.download(new ChatEvent.Attachment("x", 1, WeComPlatform.MEDIA + "gone"), 10)).hasMessageContaining("errcode 40007");
    }

    @Test
    void checkSaysWhatIsWrong() throws Exception {
        assertThat(platform().check()).contains("\"Apprentice\"").contains("agent " + FakeWeCom.AGENT_ID);
        var wrongSecret = new HashMap<>(FakeWeCom.ENV);
        wrongSecret.put("WECOM_SECRET", "nope");
        assertThatThrownBy(() -> WeComPlatform.create(config(fake.url(), Map.of()), wrongSecret).check())
                .hasMessageContaining("errcode 40001").hasMessageContaining("secret is wrong");
        assertThatThrownBy(() -> WeComPlatform.create(config(fake.url(), Map.of("agent_id", "5")), FakeWeCom.ENV).check())
                .hasMessageContaining("agent_id is wrong");
        assertThatThrownBy(() -> WeComPlatform.create(config("http://127.0.0.1:1", Map.of()), FakeWeCom.ENV).check())
                .hasMessageContaining("could not be reached");
    }

    @Test
    void configMistakesAreNamed() {
        assertThatThrownBy(() -> WeComPlatform.create(config(fake.url(), Map.of("corp_id", "")), FakeWeCom.ENV)).hasMessageContaining("corp_id is not set");
        assertThatThrownBy(() -> WeComPlatform.create(config(fake.url(), Map.of("agent_id", "app")), FakeWeCom.ENV)).hasMessageContaining("agent_id must be");
        var shortKey = new HashMap<>(FakeWeCom.ENV);
        shortKey.put("WECOM_AES_KEY", "tooshort");
        assertThatThrownBy(() -> WeComPlatform.create(config(fake.url(), Map.of()), shortKey)).hasMessageContaining("43 characters");
        assertThatThrownBy(() -> WeComPlatform.create(config(fake.url(), Map.of()), Map.of())).hasMessageContaining("WECOM_SECRET");
    }
}
