package ai.apprentice.channels.slack;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.channels.ChannelConfig;
import ai.apprentice.channels.ChannelTestServer;
import ai.apprentice.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The intern in Slack, end to end: signed deliveries to a real server over a scripted model, and the Web API calls it
 * makes, received by a fake Slack through Slack's own SDK.
 */
class SlackInternTest {
    @TempDir Path home;
    @TempDir Path root;
    FakeSlack slack;
    final ChannelTestServer server = new ChannelTestServer();
    final ByteArrayOutputStream log = server.log;
    final HttpClient http = server.http;
    String memory = "off";

    @BeforeEach
    void fake() {
        slack = new FakeSlack();
    }

    @AfterEach
    void stop() {
        server.close();
        slack.close();
    }

    private boolean showReasoning;

    private void start(String script, Map<String, Object> profile, Map<String, String> settings) throws Exception {
        var all = new LinkedHashMap<String, String>(Map.of("signing_secret_env", "SLACK_SIGNING_SECRET", "bot_token_env", "SLACK_BOT_TOKEN",
                "api_base_url", slack.apiUrl()));
        all.putAll(settings);
        var config = new ChannelConfig("slack", "slack", all, "proj", Set.of("U1", "U2"), Set.of(), Set.of("T1"), Set.of("U1"), profile, 0, "person",
                1024, showReasoning);
        var env = Map.of("SLACK_SIGNING_SECRET", FakeSlack.SIGNING_SECRET, "SLACK_BOT_TOKEN", FakeSlack.BOT_TOKEN, "SLACK_APP_TOKEN", FakeSlack.APP_TOKEN);
        server.start(home, root, script, config, env, (c, e) -> SlackPlatform.create(c, e), Map.of("memory", memory));
    }

    private String events() {
        return server.url() + "/channels/slack/events";
    }

    private JsonNode runs() throws Exception {
        return server.runs();
    }

    private JsonNode awaitRunCount(int n) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            var runs = runs();
            if (runs.size() >= n) return runs;
            Thread.sleep(20);
        }
        throw new AssertionError("expected " + n + " runs; log:\n" + log);
    }

    private JsonNode awaitFinished(String id) throws Exception {
        return server.awaitFinished(id);
    }

    /** Gives background handling a moment, then checks nothing happened: bounded, and only ever passes when nothing did. */
    private void settle() throws InterruptedException {
        Thread.sleep(600);
    }

    /** What the intern posted and edited for one mention answered by a reasoning model. */
    private String answerOfAReasoningModel() throws Exception {
        start("{\"reasoning\": \"Six sevens make forty-two.\", \"text\": \"The answer is 42.\"}\n", Map.of(), Map.of());
        FakeSlack.deliverEvent(events(), FakeSlack.mention("Ev1", "U1", "what is the answer?", "1700000000.000100", null));
        awaitFinished(awaitRunCount(1).get(0).path("id").asText());
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        String shown = "";
        while (System.nanoTime() < deadline && !shown.contains("The answer is 42.")) {
            shown = slack.calls("chat.postMessage").toString() + slack.calls("chat.update").toString();
            Thread.sleep(20);
        }
        return shown;
    }

    @Test
    void aReasoningModelsThinkingNeverReachesTheChatByDefault() throws Exception {
        assertThat(answerOfAReasoningModel()).contains("The answer is 42.").doesNotContain("Six sevens").doesNotContain("Reasoning:");
    }

    @Test
    void aChannelThatAsksForReasoningShowsItQuotedBeforeTheAnswer() throws Exception {
        showReasoning = true;
        assertThat(answerOfAReasoningModel()).contains("Reasoning:_ Six sevens make forty-two.").contains("The answer is 42.");
    }

    @Test
    void aMentionStartsOneRunAndTheAnswerGoesToItsThread() throws Exception {
        start("{\"text\": \"The answer is 42.\"}\n", Map.of(), Map.of());
        var delivery = FakeSlack.mention("Ev1", "U1", "what is the answer?", "1700000000.000100", null);
        var r = FakeSlack.deliverEvent(events(), delivery);
        assertThat(r.statusCode()).isEqualTo(200);
        var runs = awaitRunCount(1);
        var id = runs.get(0).path("id").asText();
        var run = awaitFinished(id);
        assertThat(run.path("task").asText()).isEqualTo("what is the answer?");
        assertThat(run.path("author").asText()).isEqualTo("slack:U1");
        assertThat(run.path("origin").asText()).isEqualTo("slack:T1/C1/1700000000.000100");
        assertThat(run.path("workspace").asText()).isEqualTo(root.resolve("proj").toRealPath().toString());

        var posted = slack.await("chat.postMessage", 1).get(0);
        assertThat(posted.param("thread_ts")).as("the reply opens a thread under the mention").isEqualTo("1700000000.000100");
        assertThat(posted.param("channel")).isEqualTo("C1");
        var answer = slack.awaitCall("chat.update", c -> c.param("text") != null && c.param("text").contains("The answer is 42."));
        assertThat(answer.param("ts")).as("the progress message becomes the answer").isNotBlank();
        assertThat(answer.param("blocks")).contains("feedback_good", "feedback_bad", "feedback_correct", id);
        assertThat(slack.calls("chat.postMessage")).as("one message in the thread").hasSize(1);

        // Slack retries a delivery it thinks failed: same event, X-Slack-Retry-Num
        var retry = FakeSlack.deliver(events(), "application/json", delivery, FakeSlack.SIGNING_SECRET, Instant.now(),
                Map.of("X-Slack-Retry-Num", "1", "X-Slack-Retry-Reason", "http_timeout"));
        assertThat(retry.statusCode()).isEqualTo(200);
        // and the message event Slack sends beside app_mention for the same message
        var asMessage = delivery.replace("\"app_mention\"", "\"message\"").replace("Ev1", "Ev2");
        assertThat(FakeSlack.deliverEvent(events(), asMessage).statusCode()).isEqualTo(200);
        settle();
        assertThat(runs()).as("a retried delivery starts no second run").hasSize(1);
        assertThat(log.toString()).contains("ignored a repeated delivery");
    }

    @Test
    void badSignaturesExpiredTimestampsAndMalformedBodiesAreRefusedAndStartNothing() throws Exception {
        start("{\"text\": \"never\"}\n", Map.of(), Map.of());
        var body = FakeSlack.mention("Ev9", "U1", "hello", "1700000000.000900", null);
        var wrong = FakeSlack.deliver(events(), "application/json", body, "not-the-secret", Instant.now(), Map.of());
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(Json.tree(wrong.body()).path("error").path("message").asText()).contains("does not match");
        var late = FakeSlack.deliver(events(), "application/json", body, FakeSlack.SIGNING_SECRET, Instant.now().minusSeconds(600), Map.of());
        assertThat(late.statusCode()).isEqualTo(401);
        assertThat(late.body()).contains("five-minute window");
        var unsigned = http.send(HttpRequest.newBuilder(URI.create(events())).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(unsigned.statusCode()).isEqualTo(401);
        var malformed = FakeSlack.deliverEvent(events(), "{\"type\": \"event_callback\", \"event\": ");
        assertThat(malformed.statusCode()).isEqualTo(400);
        assertThat(malformed.body()).doesNotContain("Exception:", "at ai.apprentice");
        var unknown = FakeSlack.deliverEvent(events(), "{\"type\": \"something_new\"}");
        assertThat(unknown.statusCode()).isEqualTo(200);
        var noSuchChannel = FakeSlack.deliverEvent(server.url() + "/channels/feishu/events", body);
        assertThat(noSuchChannel.statusCode()).isEqualTo(404);
        settle();
        assertThat(runs()).isEmpty();
        assertThat(slack.calls("chat.postMessage")).isEmpty();
        assertThat(log.toString()).contains("refused a delivery").doesNotContain(FakeSlack.SIGNING_SECRET);
    }

    @Test
    void botsAndPeopleNotOnTheAllowListStartNothingAndThePersonIsToldPolitelyOnce() throws Exception {
        start("{\"text\": \"never\"}\n", Map.of(), Map.of());
        var fromBot = Json.tree(FakeSlack.mention("Ev3", "U1", "loop", "1700000000.000300", null));
        ((com.fasterxml.jackson.databind.node.ObjectNode) fromBot.path("event")).put("bot_id", "B9");
        FakeSlack.deliverEvent(events(), Json.write(fromBot));
        var itself = FakeSlack.mention("Ev4", FakeSlack.BOT_USER, "me again", "1700000000.000400", null);
        FakeSlack.deliverEvent(events(), itself);
        FakeSlack.deliverEvent(events(), FakeSlack.mention("Ev5", "U9", "let me in", "1700000000.000500", null));
        FakeSlack.deliverEvent(events(), FakeSlack.mention("Ev6", "U9", "please", "1700000000.000600", null));
        var refusal = slack.await("chat.postMessage", 1).get(0);
        settle();
        assertThat(runs()).isEmpty();
        assertThat(refusal.param("text")).contains("allow list", "U9");
        assertThat(slack.calls("chat.postMessage")).as("told once, not at every message").hasSize(1);
        assertThat(log.toString()).contains("ignored a message from a bot", "not on the allow list");
    }

    @Test
    void anApprovalBecomesButtonsThatOnlyApproversMayPressAndWhoAnsweredIsRecorded() throws Exception {
        start("""
                {"text": "Writing.", "tool_calls": [{"name": "write_file", "arguments": {"path": "notes.txt", "content": "hi"}}]}
                {"text": "Wrote notes.txt."}
                """, Map.of("approve", "ask"), Map.of());
        FakeSlack.deliverEvent(events(), FakeSlack.mention("Ev7", "U2", "write notes", "1700000000.000700", null));
        var ask = slack.awaitCall("chat.postMessage", c -> c.param("blocks") != null && c.param("blocks").contains("approve_once"));
        assertThat(ask.param("text")).contains("write_file", "notes.txt");
        assertThat(ask.param("thread_ts")).isEqualTo("1700000000.000700");
        var approvalId = Json.tree(ask.param("blocks")).get(1).path("elements").get(0).path("value").asText();
        assertThat(approvalId).startsWith("apr_");

        // U2 may start runs but is not an approver
        FakeSlack.deliverAction(events(), FakeSlack.press("U2", "approve_once", approvalId, "1700000000.000800", "1700000000.000700"));
        slack.awaitCall("chat.postMessage", c -> c.param("text") != null && c.param("text").contains("may not answer"));
        assertThat(server.api("/api/approvals").path("approvals")).as("still pending").hasSize(1);

        FakeSlack.deliverAction(events(), FakeSlack.press("U1", "approve_once", approvalId, "1700000000.000800", "1700000000.000700"));
        var id = awaitRunCount(1).get(0).path("id").asText();
        var run = awaitFinished(id);
        assertThat(run.path("answer").asText()).isEqualTo("Wrote notes.txt.");
        assertThat(Files.readString(root.resolve("proj/notes.txt"))).isEqualTo("hi");
        assertThat(run.path("events")).anySatisfy(e -> {
            assertThat(e.path("type").asText()).isEqualTo("permission");
            assertThat(e.path("decided_by").asText()).isEqualTo("user slack:U1 (once)");
        });
        slack.awaitCall("chat.update", c -> c.param("text") != null && c.param("text").contains("Allowed once by <@U1>"));
    }

    @Test
    void aButtonPressedWhileItsMessageIsStillBeingPostedCounts() throws Exception {
        // An approver (or their automation) answers the moment the buttons appear, before Slack's answer to the post is back.
        start("""
                {"text": "Writing.", "tool_calls": [{"name": "write_file", "arguments": {"path": "notes.txt", "content": "fast"}}]}
                {"text": "Wrote notes.txt."}
                """, Map.of("approve", "ask"), Map.of());
        var pressed = new java.util.concurrent.atomic.AtomicReference<String>();
        slack.beforeAnswer = call -> {
            if (!call.method().equals("chat.postMessage") || call.param("blocks") == null || !call.param("blocks").contains("approve_once")) return;
            try {
                var approvalId = Json.tree(call.param("blocks")).get(1).path("elements").get(0).path("value").asText();
                var answer = FakeSlack.deliverAction(events(), FakeSlack.press("U1", "approve_once", approvalId, "1700000000.000900", "1700000000.000900"));
                pressed.set(approvalId + " " + answer.statusCode());
                Thread.sleep(1000); // the press is handled while the post still waits
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
        FakeSlack.deliverEvent(events(), FakeSlack.mention("Ev9", "U2", "write notes", "1700000000.000900", null));
        var id = awaitRunCount(1).get(0).path("id").asText();
        var run = awaitFinished(id);
        assertThat(pressed.get()).endsWith(" 200");
        assertThat(run.path("answer").asText()).isEqualTo("Wrote notes.txt.");
        assertThat(Files.readString(root.resolve("proj/notes.txt"))).isEqualTo("fast");
        assertThat(log.toString()).doesNotContain("which this channel did not show");
    }

    @Test
    void feedbackButtonsAndACorrectionBecomeFeedbackEventsByThePerson() throws Exception {
        start("{\"text\": \"Paris is in Germany.\"}\n", Map.of(), Map.of());
        FakeSlack.deliverEvent(events(), FakeSlack.mention("Ev10", "U1", "where is Paris?", "1700000000.001000", null));
        var id = awaitRunCount(1).get(0).path("id").asText();
        awaitFinished(id);
        var answer = slack.awaitCall("chat.update", c -> c.param("text") != null && c.param("text").contains("Paris is in Germany."));
        var thread = "1700000000.001000";
        FakeSlack.deliverAction(events(), FakeSlack.press("U1", "feedback_bad", id, answer.param("ts"), thread));
        FakeSlack.deliverAction(events(), FakeSlack.press("U2", "feedback_correct", id, answer.param("ts"), thread));
        slack.awaitCall("chat.postMessage", c -> c.param("text") != null && c.param("text").contains("Reply in this thread"));
        // U2's next message in the thread, without a mention, is the correction (not a new task)
        var reply = Json.tree(FakeSlack.mention("Ev11", "U2", "", "1700000000.001100", thread));
        ((com.fasterxml.jackson.databind.node.ObjectNode) reply.path("event")).put("type", "message").put("text", "Paris is in France.");
        FakeSlack.deliverEvent(events(), Json.write(reply));
        slack.awaitCall("chat.postMessage", c -> c.param("text") != null && c.param("text").contains("recorded that as a correction"));
        // a press from someone not allowed is refused
        FakeSlack.deliverAction(events(), FakeSlack.press("U7", "feedback_good", id, answer.param("ts"), thread));
        slack.awaitCall("chat.postMessage", c -> c.param("text") != null && c.param("text").contains("only people on my allow list"));

        var events = awaitFinished(id).path("events");
        var feedback = new java.util.ArrayList<JsonNode>();
        events.forEach(e -> { if (e.path("type").asText().equals("feedback")) feedback.add(e); });
        assertThat(feedback).hasSize(2);
        assertThat(feedback.get(0).path("rating").asText()).isEqualTo("bad");
        assertThat(feedback.get(0).path("author").asText()).isEqualTo("slack:U1");
        assertThat(feedback.get(1).path("correction").asText()).isEqualTo("Paris is in France.");
        assertThat(feedback.get(1).path("author").asText()).isEqualTo("slack:U2");
        assertThat(runs()).as("the correction started no run").hasSize(1);
    }

    @Test
    void theInternNeverPostsASecretItRead() throws Exception {
        var secret = "sk-live-" + "a".repeat(40);
        start("{\"text\": \"The key is " + secret + " and that is all.\"}\n", Map.of(), Map.of());
        FakeSlack.deliverEvent(events(), FakeSlack.mention("Ev12", "U1", "what is the key?", "1700000000.001200", null));
        awaitFinished(awaitRunCount(1).get(0).path("id").asText());
        var answer = slack.awaitCall("chat.update", c -> c.param("text") != null && c.param("text").contains("that is all"));
        assertThat(answer.param("text")).doesNotContain(secret);
        assertThat(slack.calls).allSatisfy(c -> assertThat(c.params().values()).noneMatch(v -> v.contains(secret)));
    }

    @Test
    void socketModeDeliversTheSameEventsAndEachEnvelopeIsAcknowledged() throws Exception {
        start("{\"text\": \"Over the socket.\"}\n", Map.of(), Map.of("mode", "socket", "app_token_env", "SLACK_APP_TOKEN"));
        slack.awaitSocket();
        assertThat(slack.calls("apps.connections.open")).first().satisfies(c -> assertThat(c.auth()).isEqualTo("Bearer " + FakeSlack.APP_TOKEN));
        slack.sendEnvelope("env-1", "events_api", Json.tree(FakeSlack.mention("Ev20", "U1", "hello over the socket", "1700000000.002000", null)));
        assertThat(slack.acks.poll(30, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("env-1");
        var id = awaitRunCount(1).get(0).path("id").asText();
        assertThat(awaitFinished(id).path("answer").asText()).isEqualTo("Over the socket.");
        slack.awaitCall("chat.update", c -> c.param("text") != null && c.param("text").contains("Over the socket."));
    }

    @Test
    void longAnswersAreAttachedAsAFileAndFilesOfAMessageLandInTheWorkspace() throws Exception {
        var para = "word ".repeat(500).strip();
        var longText = String.join("\\n\\n", java.util.Collections.nCopies(8, para));
        start("{\"text\": \"" + longText + "\"}\n", Map.of(), Map.of());
        var delivery = Json.tree(FakeSlack.mention("Ev30", "U1", "summarise the file", "1700000000.003000", null));
        var file = ((com.fasterxml.jackson.databind.node.ObjectNode) delivery.path("event")).putArray("files").addObject();
        file.put("id", "F9").put("name", "../../report.csv").put("size", 20).put("url_private", slack.fileUrl("report.csv"));
        var tooBig = ((com.fasterxml.jackson.databind.node.ArrayNode) delivery.path("event").path("files")).addObject();
        tooBig.put("id", "F10").put("name", "huge.bin").put("size", 1_000_000).put("url_private", slack.fileUrl("huge.bin"));
        FakeSlack.deliverEvent(events(), Json.write(delivery));
        var id = awaitRunCount(1).get(0).path("id").asText();
        var run = awaitFinished(id);
        assertThat(run.path("task").asText()).contains("attachments/report.csv").doesNotContain("huge.bin");
        assertThat(Files.readString(root.resolve("proj/attachments/report.csv"))).isEqualTo("contents of report.csv");
        assertThat(root.resolve("report.csv")).as("a name with folders lands in attachments/, nowhere else").doesNotExist();
        slack.awaitCall("chat.postMessage", c -> c.param("text") != null && c.param("text").contains("I left out huge.bin"));
        slack.await("files.completeUploadExternal", 1);
        assertThat(String.join("", slack.uploads)).contains(para);
    }

    @Test
    void eachPersonsMemoriesAreStoredInTheirScopeAndOnlyTheyCanSeeAndForgetThem() throws Exception {
        memory = "on";
        start("""
                {"text": "Noting that.", "tool_calls": [{"name": "remember", "arguments": {"text": "U1 takes tea without sugar", "kind": "preference"}}]}
                {"text": "Noted."}
                """, Map.of(), Map.of());
        FakeSlack.deliverEvent(events(), FakeSlack.mention("Ev40", "U1", "remember that I take tea without sugar", "1700000000.004000", null));
        awaitFinished(awaitRunCount(1).get(0).path("id").asText());
        var stored = server.harness().memory().list("person:slack:T1:U1", false, 10);
        assertThat(stored).as("stored in the person's scope, not the operator's").singleElement()
                .satisfies(m -> assertThat(m.text()).contains("tea without sugar"));
        assertThat(server.harness().memory().list("user", false, 10)).isEmpty();
        var id = stored.get(0).id();

        FakeSlack.deliverEvent(events(), FakeSlack.mention("Ev41", "U2", "what do you remember about me?", "1700000000.004100", null));
        slack.awaitCall("chat.postMessage", c -> c.param("text") != null && c.param("text").contains("I remember nothing about you"));
        FakeSlack.deliverEvent(events(), FakeSlack.mention("Ev42", "U2", "forget " + id, "1700000000.004200", null));
        slack.awaitCall("chat.postMessage", c -> c.param("text") != null && c.param("text").contains("nothing of yours to forget"));
        assertThat(server.harness().memory().get(id).active()).as("another person cannot forget U1's memory").isTrue();

        FakeSlack.deliverEvent(events(), FakeSlack.mention("Ev43", "U1", "what do you remember about me?", "1700000000.004300", null));
        slack.awaitCall("chat.postMessage", c -> c.param("text") != null && c.param("text").contains("tea without sugar"));
        FakeSlack.deliverEvent(events(), FakeSlack.mention("Ev44", "U1", "forget everything about me", "1700000000.004400", null));
        slack.awaitCall("chat.postMessage", c -> c.param("text") != null && c.param("text").contains("Forgotten: 1 memory"));
        assertThat(server.harness().memory().get(id).active()).isFalse();
        assertThat(runs()).as("memory questions start no runs").hasSize(1);
    }

    @Test
    void anOversizedMessageIsRefusedPolitelyAndABusyThreadTakesNoSecondTask() throws Exception {
        start("""
                {"delay_ms": 3000, "text": "Slow answer."}
                """, Map.of(), Map.of());
        FakeSlack.deliverEvent(events(), FakeSlack.mention("Ev50", "U1", "x".repeat(25_000), "1700000000.005000", null));
        slack.awaitCall("chat.postMessage", c -> c.param("text") != null && c.param("text").contains("too long for a task"));
        FakeSlack.deliverEvent(events(), FakeSlack.mention("Ev51", "U1", "take your time", "1700000000.005100", null));
        var id = awaitRunCount(1).get(0).path("id").asText();
        FakeSlack.deliverEvent(events(), FakeSlack.mention("Ev52", "U1", "and another thing", "1700000000.005200", "1700000000.005100"));
        slack.awaitCall("chat.postMessage", c -> c.param("text") != null && c.param("text").contains("still working on the previous message"));
        assertThat(awaitFinished(id).path("answer").asText()).isEqualTo("Slow answer.");
        assertThat(runs()).hasSize(1);
    }
}
