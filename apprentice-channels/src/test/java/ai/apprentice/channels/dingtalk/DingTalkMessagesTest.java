package ai.apprentice.channels.dingtalk;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.channels.ChatEvent;
import ai.apprentice.json.Json;
import org.junit.jupiter.api.Test;

class DingTalkMessagesTest {
    private static final String WEBHOOK = "https://oapi.dingtalk.com/robot/sendBySession?session=xxxxx";

    private static DingTalkMessages.Parsed read(Object payload) {
        return DingTalkMessages.read(Json.write(payload), card -> null);
    }

    @Test
    void aGroupMentionIsAMessageWithTheSenderTheConversationAndTheWebhookToAnswerAt() {
        var parsed = read(Payloads.group("msg0xxxxx", "user123", " 你好", WEBHOOK, 1613635652738L));
        var m = (ChatEvent.Message) parsed.event();
        assertThat(m.eventId()).isEqualTo("msg0xxxxx");
        assertThat(m.text()).isEqualTo("你好");
        assertThat(m.direct()).isFalse();
        assertThat(m.mentioned()).isTrue();
        assertThat(m.from()).isEqualTo(new ChatEvent.Person("user123", "Yang", false));
        assertThat(m.place().team()).isEqualTo("dinge8a565corp");
        assertThat(m.place().channel()).isEqualTo("cidGroup123==");
        assertThat(m.place().thread()).isEqualTo("user123");
        assertThat(m.place().reply()).containsEntry(DingTalkMessages.WEBHOOK, WEBHOOK).containsEntry(DingTalkMessages.WEBHOOK_EXPIRES, "1613635652738")
                .containsEntry(DingTalkMessages.TYPE, "2").containsEntry(DingTalkMessages.USER, "user123");
    }

    @Test
    void aSingleChatIsDirectAndHasNoThread() {
        var m = (ChatEvent.Message) read(Payloads.single("m2", "user123", "hi", WEBHOOK, 1L)).event();
        assertThat(m.direct()).isTrue();
        assertThat(m.mentioned()).isFalse();
        assertThat(m.place().thread()).isNull();
        assertThat(m.place().channel()).isEqualTo("cidSingleuser123");
    }

    @Test
    void aMessageFromTheRobotItselfIsABotsMessage() {
        var payload = Payloads.group("m3", "user123", "hi", WEBHOOK, 1L).put("senderId", Payloads.CHATBOT_USER_ID);
        assertThat(((ChatEvent.Message) read(payload).event()).from().bot()).isTrue();
    }

    @Test
    void picturesFilesAndRichTextBecomeAttachmentsWithTheirDownloadCodes() {
        var file = Payloads.single("m4", "u", "", WEBHOOK, 1L).put("msgtype", "file");
        file.remove("text");
        file.putObject("content").put("downloadCode", "dc-file").put("fileName", "report.pdf");
        var m = (ChatEvent.Message) read(file).event();
        assertThat(m.attachments()).containsExactly(new ChatEvent.Attachment("report.pdf", 0, "dc-file"));

        var rich = Payloads.single("m5", "u", "", WEBHOOK, 1L).put("msgtype", "richText");
        var parts = rich.putObject("content").putArray("richText");
        parts.addObject().put("text", "look at this ");
        parts.addObject().put("type", "picture").put("downloadCode", "dc-pic");
        var r = (ChatEvent.Message) read(rich).event();
        assertThat(r.text()).isEqualTo("look at this");
        assertThat(r.attachments()).extracting(ChatEvent.Attachment::url).containsExactly("dc-pic");

        var audio = Payloads.single("m6", "u", "", WEBHOOK, 1L).put("msgtype", "audio");
        audio.putObject("content").put("recognition", "summarise the issues").put("downloadCode", "dc-audio");
        assertThat(((ChatEvent.Message) read(audio).event()).text()).isEqualTo("summarise the issues");
    }

    @Test
    void unknownTypesAreIgnoredAndBrokenPayloadsAreMalformedNeverAnException() {
        var unknown = read(Payloads.single("m7", "u", "", WEBHOOK, 1L).put("msgtype", "interactiveCard"));
        assertThat(unknown.event()).isNull();
        assertThat(unknown.malformed()).isFalse();
        assertThat(unknown.reason()).contains("interactiveCard");

        assertThat(DingTalkMessages.read("{not json", c -> null).malformed()).isTrue();
        assertThat(DingTalkMessages.read("[1,2]", c -> null).malformed()).isTrue();
        var noConversation = Payloads.single("m8", "u", "x", WEBHOOK, 1L);
        noConversation.remove("conversationId");
        assertThat(read(noConversation).malformed()).isTrue();
        assertThat(read(Payloads.single("m9", "u", "x", WEBHOOK, 1L).put("conversationType", "3")).malformed()).isTrue();
        var pictureWithoutCode = Payloads.single("m10", "u", "", WEBHOOK, 1L).put("msgtype", "picture");
        assertThat(read(pictureWithoutCode).malformed()).isTrue();
        assertThat(DingTalkMessages.read("{\"hello\": 1}", c -> null).event()).isNull();
    }

    @Test
    void aCardCallbackIsAnActionOfThePresserOnTheCardWithTheButtonsActionAndValue() {
        var place = new ChatEvent.Place("corp", "cidGroup123==", "user123");
        var parsed = DingTalkMessages.read(Json.write(Payloads.cardCallback("apprentice-1", "boss", "approve_once__apr_9", "approve_once", "apr_9")),
                card -> card.equals("apprentice-1") ? place : null);
        var a = (ChatEvent.Action) parsed.event();
        assertThat(a.action()).isEqualTo("approve_once");
        assertThat(a.value()).isEqualTo("apr_9");
        assertThat(a.from().id()).isEqualTo("boss");
        assertThat(a.place()).isEqualTo(place);
        assertThat(a.messageRef()).isEqualTo("card:apprentice-1");

        // without params the button's id carries action and value; an unknown card answers to the presser directly
        var fromId = (ChatEvent.Action) read(Payloads.cardCallback("unknown", "boss", "feedback_good__run_1", null, null)).event();
        assertThat(fromId.action()).isEqualTo("feedback_good");
        assertThat(fromId.value()).isEqualTo("run_1");
        assertThat(fromId.place().reply()).containsEntry(DingTalkMessages.USER, "boss").containsEntry(DingTalkMessages.TYPE, "1");

        assertThat(read(Payloads.cardCallback("c", "boss", "somethingelse", null, null)).event()).isNull();
        assertThat(read(Payloads.cardCallback("c", "boss", "x", null, null).put("content", "{broken")).malformed()).isTrue();
    }
}
