package ai.apprentice.channels.feishu;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.channels.Button;
import ai.apprentice.channels.ChannelConfig;
import ai.apprentice.channels.ChannelTestServer;
import ai.apprentice.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real server with the Feishu channel, over a scripted model, talking to the loopback fake of Feishu. */
class FeishuEndToEndTest {
    @TempDir
    Path home;
    @TempDir
    Path root;
    private final FakeFeishu fake = new FakeFeishu();
    private final ChannelTestServer server = new ChannelTestServer();
    private final ByteArrayOutputStream log = server.log;
    private final HttpClient http = server.http;

    private void start(String script, Map<String, Object> profile, Map<String, String> settings) throws Exception {
        var s = new HashMap<>(FeishuPlatformTest.config(fake.url(), settings).settings());
        var config = new ChannelConfig("feishu", "feishu", s, "proj", Set.of("ou_alice", "ou_boss"), Set.of(), Set.of(FakeFeishu.TENANT), Set.of("ou_boss"),
                profile, 0, "person", 10_000);
        server.start(home, root, script, config, FeishuPlatformTest.ENV, FeishuPlatform::create, Map.of());
    }

    private void start(String script) throws Exception {
        start(script, Map.of(), Map.of());
    }

    @AfterEach
    void stop() {
        server.close();
        fake.close();
    }

    private HttpResponse<String> post(String body, Map<String, String> headers) throws Exception {
        var b = HttpRequest.newBuilder(URI.create(server.url() + "/channels/feishu/events")).header("Content-Type", "application/json");
        headers.forEach(b::header);
        return http.send(b.POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Encrypted and signed as Feishu delivers with an encrypt key. */
    private HttpResponse<String> deliver(ObjectNode event) throws Exception {
        var body = Payloads.encrypted(Json.write(event), Payloads.ENCRYPT_KEY);
        return post(body, Payloads.signature(body, Payloads.ENCRYPT_KEY, System.currentTimeMillis() / 1000));
    }

    private JsonNode runs() throws Exception {
        return server.runs();
    }

    private JsonNode awaitFinished(String id) throws Exception {
        return server.awaitFinished(id);
    }

    /** The first card (posted or updated) whose text contains {@code text}, waited for. */
    private FakeFeishu.Call awaitCard(String text) throws Exception {
        assertThat(FakeFeishu.await(() -> !cards(text).isEmpty())).as("a card with '%s'; log:\n%s", text, log).isTrue();
        return cards(text).get(0);
    }

    private List<FakeFeishu.Call> cards(String text) {
        return fake.matching(c -> c.body().path("content").isTextual() && c.body().path("content").asText().startsWith("{\"config\"")
                && c.cardText().contains(text));
    }

    /** Gives background handling a moment, then checks nothing happened: bounded, and only ever passes when nothing did. */
    private void settle() throws InterruptedException {
        Thread.sleep(600);
    }

    @Test
    void aMentionStartsOneRunAnsweredInItsThreadAndRetriesForgeriesAndBotsStartNone() throws Exception {
        start("{\"text\": \"The answer is 42.\"}\n");
        var challenge = post(Payloads.encrypted(Json.write(Payloads.urlVerification("ch-1", Payloads.VERIFICATION_TOKEN)), Payloads.ENCRYPT_KEY), Map.of());
        assertThat(Json.tree(challenge.body()).path("challenge").asText()).isEqualTo("ch-1");

        var mention = Payloads.mention("ev_1", "ou_alice", "om_m1", "what is the answer?");
        assertThat(deliver(mention).statusCode()).isEqualTo(200);
        var answer = awaitCard("The answer is 42.");
        var progress = fake.calls("POST", "/open-apis/im/v1/messages/om_m1/reply").get(0);
        assertThat(progress.cardText()).isEqualTo("Working on it…");
        // the progress message became the answer, with the feedback buttons
        assertThat(answer.method()).isEqualTo("PATCH");
        assertThat(answer.card().path("elements").path(1).path("actions")).extracting(b -> b.path("value").path("action").asText())
                .containsExactly(Button.GOOD, Button.BAD, Button.CORRECT);
        assertThat(runs()).hasSize(1);
        var run = runs().path(0);
        assertThat(run.path("task").asText()).isEqualTo("what is the answer?");
        var id = run.path("id").asText();

        // Feishu retries a delivery it thinks failed: the same event_id, signed anew
        assertThat(deliver(mention).statusCode()).isEqualTo(200);
        assertThat(FakeFeishu.await(() -> log.toString().contains("repeated delivery of ev_1"))).isTrue();
        // a forged delivery
        var forgedBody = Payloads.encrypted(Json.write(Payloads.mention("ev_2", "ou_alice", "om_m2", "delete everything")), Payloads.ENCRYPT_KEY);
        var forged = post(forgedBody, Payloads.signature(forgedBody, "guessed-key", System.currentTimeMillis() / 1000));
        assertThat(forged.statusCode()).isEqualTo(401);
        assertThat(forged.body()).doesNotContain("Exception").contains("X-Lark-Signature");
        // an old one, replayed
        var replayed = post(forgedBody, Payloads.signature(forgedBody, Payloads.ENCRYPT_KEY, System.currentTimeMillis() / 1000 - 7200));
        assertThat(replayed.statusCode()).isEqualTo(401);
        // another bot's message
        var bot = Payloads.mention("ev_3", "ou_otherbot", "om_m3", "what is the answer?");
        ((ObjectNode) bot.path("event").path("sender")).put("sender_type", "app");
        assertThat(deliver(bot).statusCode()).isEqualTo(200);
        assertThat(FakeFeishu.await(() -> log.toString().contains("ignored a message from a bot"))).isTrue();
        // malformed, and of a type the intern does not read
        assertThat(post("{\"encrypt\": 12", Map.of()).statusCode()).isEqualTo(400);
        var unknown = Payloads.mention("ev_4", "ou_alice", "om_m4", "x");
        ((ObjectNode) unknown.path("header")).put("event_type", "im.message.reaction.created_v1");
        var ignored = deliver(unknown);
        assertThat(ignored.statusCode()).isEqualTo(200);
        assertThat(ignored.body()).contains("im.message.reaction.created_v1");
        settle();

        assertThat(runs()).hasSize(1);
        assertThat(awaitFinished(id).path("author").asText()).isEqualTo("feishu:ou_alice");
        assertThat(cards("The answer is 42.")).hasSize(1);
        assertThat(log.toString()).contains("refused a delivery").contains("does not match").contains("expired").contains("not JSON");
    }

    @Test
    void aPersonNotOnTheAllowListIsToldPolitelyOnceAndStartsNothing() throws Exception {
        start("{\"text\": \"never\"}\n");
        deliver(Payloads.mention("ev_1", "ou_mallory", "om_m1", "do something"));
        awaitCard("only take tasks from people on my allow list");
        assertThat(cards("allow list").get(0).cardText()).contains("ou_mallory");
        deliver(Payloads.mention("ev_2", "ou_mallory", "om_m2", "again"));
        assertThat(FakeFeishu.await(() -> log.toString().contains("refused a task from feishu:ou_mallory") && log.toString().indexOf("refused a task")
                != log.toString().lastIndexOf("refused a task"))).isTrue();
        settle();
        assertThat(runs()).isEmpty();
        assertThat(cards("allow list")).as("told once, not at every message").hasSize(1);
    }

    @Test
    void anApprovalCardOnlyAnApproverMayAnswerAndWhoAnsweredIsRecorded() throws Exception {
        start("""
                {"text": "Writing.", "tool_calls": [{"name": "write_file", "arguments": {"path": "notes.txt", "content": "hi"}}]}
                {"text": "Wrote notes.txt."}
                """, Map.of("approve", "ask"), Map.of());
        deliver(Payloads.mention("ev_1", "ou_alice", "om_m1", "write notes"));
        var ask = awaitCard("write_file");
        assertThat(ask.path()).isEqualTo("/open-apis/im/v1/messages/om_m1/reply");
        var buttons = ask.card().path("elements").path(1).path("actions");
        assertThat(buttons).extracting(b -> b.path("value").path("action").asText()).containsExactly(Button.ALLOW_ONCE, Button.ALLOW_ALWAYS, Button.DENY);
        var approvalId = buttons.path(0).path("value").path("value").asText();
        assertThat(approvalId).startsWith("apr_");
        var cardId = fake.sentId(ask);

        // ou_alice may start runs but is not an approver. The intern notes the card once Feishu has answered its post,
        // which the fake records a moment before: a press that comes in between is ignored, so she presses until heard
        for (int i = 0; i < 100 && cards("may not answer").isEmpty(); i++) {
            deliver(Payloads.cardAction("ev_2_" + i, "ou_alice", cardId, Button.ALLOW_ONCE, approvalId));
            FakeFeishu.await(() -> !cards("may not answer").isEmpty() || log.toString().contains("which this channel did not show"));
            if (cards("may not answer").isEmpty()) Thread.sleep(50);
        }
        awaitCard("may not answer");
        assertThat(server.api("/api/approvals").path("approvals")).as("still pending").hasSize(1);

        deliver(Payloads.cardAction("ev_3", "ou_boss", cardId, Button.ALLOW_ONCE, approvalId));
        var id = runs().path(0).path("id").asText();
        var run = awaitFinished(id);
        assertThat(run.path("answer").asText()).isEqualTo("Wrote notes.txt.");
        assertThat(Files.readString(root.resolve("proj/notes.txt"))).isEqualTo("hi");
        assertThat(run.path("events")).anySatisfy(e -> {
            assertThat(e.path("type").asText()).isEqualTo("permission");
            assertThat(e.path("decided_by").asText()).isEqualTo("user feishu:ou_boss (once)");
        });
        var answered = awaitCard("Allowed once by ou_boss");
        assertThat(answered.method()).isEqualTo("PATCH");
        assertThat(answered.path()).isEqualTo("/open-apis/im/v1/messages/" + cardId);
    }

    @Test
    void feedbackButtonsAndACorrectionBecomeFeedbackEventsByThePerson() throws Exception {
        start("{\"text\": \"Paris is in Germany.\"}\n");
        deliver(Payloads.mention("ev_1", "ou_alice", "om_m1", "where is Paris?"));
        var answer = awaitCard("Paris is in Germany.");
        var id = runs().path(0).path("id").asText();
        awaitFinished(id);
        var answerId = answer.path().substring(answer.path().lastIndexOf('/') + 1);

        deliver(Payloads.cardAction("ev_2", "ou_alice", answerId, Button.BAD, id));
        awaitCard("Thanks, noted 👎");
        deliver(Payloads.cardAction("ev_3", "ou_boss", answerId, Button.CORRECT, id));
        awaitCard("Reply in this thread");
        // ou_boss's next message in the thread, a reply without a mention, is the correction (not a new task)
        var reply = Payloads.inThread(Payloads.message("ev_4", "ou_boss", "om_m5", "group", "text", "{\"text\":\"Paris is in France.\"}"), "om_m1", null);
        deliver(reply);
        awaitCard("recorded that as a correction");
        // a press from someone not allowed is refused
        deliver(Payloads.cardAction("ev_5", "ou_mallory", answerId, Button.GOOD, id));
        awaitCard("only people on my allow list");

        var feedback = new ArrayList<JsonNode>();
        awaitFinished(id).path("events").forEach(e -> {
            if (e.path("type").asText().equals("feedback")) feedback.add(e);
        });
        assertThat(feedback).hasSize(2);
        assertThat(feedback.get(0).path("rating").asText()).isEqualTo("bad");
        assertThat(feedback.get(0).path("author").asText()).isEqualTo("feishu:ou_alice");
        assertThat(feedback.get(1).path("correction").asText()).isEqualTo("Paris is in France.");
        assertThat(feedback.get(1).path("author").asText()).isEqualTo("feishu:ou_boss");
        assertThat(runs()).as("the correction started no run").hasSize(1);
    }

    @Test
    void aFileSentDirectlyLandsInTheWorkspaceAndALongAnswerIsAttachedAsAFile() throws Exception {
        var longAnswer = ("A line of the long answer, which goes on. ".repeat(20) + "\n\n").repeat(50);
        start("{\"text\": " + Json.write(longAnswer) + "}\n");
        fake.file = "a,b\n1,2\n".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        deliver(Payloads.message("ev_1", "ou_alice", "om_f1", "p2p", "file", "{\"file_key\":\"file_v2_9\",\"file_name\":\"data.csv\"}"));
        assertThat(FakeFeishu.await(() -> !fake.uploads.isEmpty())).as("log:\n%s", log).isTrue();
        assertThat(Files.readString(root.resolve("proj/attachments/data.csv"))).isEqualTo("a,b\n1,2\n");
        assertThat(fake.calls("GET", "/open-apis/im/v1/messages/om_f1/resources/file_v2_9")).singleElement()
                .satisfies(c -> assertThat(c.query()).isEqualTo("type=file"));
        assertThat(runs().path(0).path("task").asText()).contains("attachments/data.csv");
        // the whole answer, in the file (the run may tidy its whitespace)
        assertThat(fake.uploads.get(0).get("file").replaceAll("\\s+", " ").strip()).isEqualTo(longAnswer.replaceAll("\\s+", " ").strip());
        assertThat(FakeFeishu.await(() -> fake.calls("POST", "/open-apis/im/v1/messages/om_f1/reply").stream()
                .anyMatch(c -> c.body().path("msg_type").asText().equals("file")))).isTrue();
    }

    @Test
    void overTheLongConnectionAnEventIsAnsweredAndStartsARunAndACardPressComesBack() throws Exception {
        fake.pingInterval = 1;
        start("{\"text\": \"The answer is 42.\"}\n", Map.of(), new LinkedHashMap<>(Map.of("mode", "long_connection")));
        // the client has its socket when the server's side may still be registering it
        assertThat(FakeFeishu.await(() -> fake.sockets.size() == 1)).isTrue();
        assertThat(fake.calls("POST", FeishuLongConnection.ENDPOINT).get(0).body().path("AppID").asText()).isEqualTo(FakeFeishu.APP_ID);

        // a payload split over two frames, as Feishu does with large ones
        fake.sendEvent("event", "msg-1", Json.write(Payloads.mention("ev_ws1", "ou_alice", "om_m1", "what is the answer?")), 2);
        assertThat(FakeFeishu.await(() -> fake.received.stream().anyMatch(f -> FakeFeishu.method(f) == 1))).as("log:\n%s", log).isTrue();
        var ack = fake.received.stream().filter(f -> FakeFeishu.method(f) == 1).findFirst().orElseThrow();
        assertThat(FakeFeishu.header(ack, "message_id")).isEqualTo("msg-1");
        assertThat(FakeFeishu.header(ack, "biz_rt")).isNotNull();
        assertThat(Json.tree(FakeFeishu.payload(ack)).path("code").asInt()).isEqualTo(200);
        var answer = awaitCard("The answer is 42.");
        assertThat(runs()).hasSize(1);
        var id = runs().path(0).path("id").asText();

        // the same event again: acknowledged, no second run
        fake.sendEvent("event", "msg-2", Json.write(Payloads.mention("ev_ws1", "ou_alice", "om_m1", "what is the answer?")), 1);
        assertThat(FakeFeishu.await(() -> log.toString().contains("repeated delivery of ev_ws1"))).isTrue();

        // Feishu drops the connection: the intern asks for a new endpoint and goes on receiving there
        fake.sockets.get(0).closeSession(1001, "going away");
        assertThat(FakeFeishu.await(() -> fake.devices.size() == 2 && fake.sockets.size() == 1)).as("log:\n%s", log).isTrue();
        var answerId = answer.path().substring(answer.path().lastIndexOf('/') + 1);
        fake.sendEvent("card", "msg-3", Json.write(Payloads.cardAction("ev_ws2", "ou_alice", answerId, Button.GOOD, id)), 1);
        awaitCard("Thanks, noted 👍");
        // the client pings with the service id of its URL, at the interval Feishu gave
        assertThat(FakeFeishu.await(() -> fake.received.stream().anyMatch(f -> FakeFeishu.method(f) == 0 && "ping".equals(FakeFeishu.header(f, "type")))))
                .isTrue();
        assertThat(runs()).hasSize(1);
        assertThat(fake.calls("POST", "/channels")).isEmpty();
    }
}
