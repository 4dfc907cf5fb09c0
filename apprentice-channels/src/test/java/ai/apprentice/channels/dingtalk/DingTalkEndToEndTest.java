package ai.apprentice.channels.dingtalk;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.channels.ChannelTestServer;

import ai.apprentice.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real server with the DingTalk channel, over a scripted model, talking to the loopback fake of DingTalk. */
class DingTalkEndToEndTest {
    @TempDir
    Path home;
    @TempDir
    Path root;
    private final FakeDingTalk fake = new FakeDingTalk();
    private final ChannelTestServer server = new ChannelTestServer();
    private final ByteArrayOutputStream log = server.log;
    private final HttpClient http = server.http;

    private void start(Map<String, String> settings) throws Exception {
        server.start(home, root, DingTalkPlatformTest.config(fake.url(), settings), DingTalkPlatformTest.ENV, DingTalkPlatform::create);
    }

    @AfterEach
    void stop() {
        server.close();
        fake.close();
    }

    private HttpResponse<String> deliver(String body, String secret) throws Exception {
        var ts = String.valueOf(System.currentTimeMillis());
        return http.send(HttpRequest.newBuilder(URI.create(server.url() + "/channels/dingtalk/events")).header("Content-Type", "application/json")
                .header("timestamp", ts).header("sign", DingTalkSignature.sign(ts, secret)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode runs() throws Exception {
        return server.runs();
    }

    /** The answer: the card with the feedback buttons that the intern sent (the progress message went to the webhook). */
    private List<FakeDingTalk.Call> answers() {
        return fake.matching(c -> c.path().equals("/v1.0/im/v1.0/robot/interactiveCards/send") && c.body().path("cardData").asText().contains("The answer is 42."));
    }

    private String webhook() {
        return fake.url() + "/robot/sendBySession?session=s1";
    }

    @Test
    void aSignedMentionStartsOneRunWhoseAnswerIsPostedInTheConversationAndRetriesBadSignaturesAndBotsStartNone() throws Exception {
        start(Map.of());
        var mention = Json.write(Payloads.group("msgA", "user123", " what is the answer?", webhook(), System.currentTimeMillis() + 3_600_000));
        assertThat(deliver(mention, FakeDingTalk.APP_SECRET).statusCode()).isEqualTo(200);
        assertThat(FakeDingTalk.await(() -> !answers().isEmpty())).as("the answer reached DingTalk; log:\n%s", log).isTrue();
        var card = answers().get(0).body();
        assertThat(card.path("openConversationId").asText()).isEqualTo("cidGroup123==");
        var buttons = Json.tree(card.path("cardData").asText()).path("contents").path(1).path("actions");
        assertThat(buttons.path(0).path("id").asText()).startsWith("feedback_good__");
        assertThat(fake.calls("/robot/sendBySession")).extracting(c -> c.body().path("markdown").path("text").asText()).contains("Working on it…");
        assertThat(runs()).hasSize(1);
        assertThat(runs().path(0).path("task").asText()).isEqualTo("what is the answer?");

        // DingTalk retries a delivery it thinks failed: same msgId, no second run
        assertThat(deliver(mention, FakeDingTalk.APP_SECRET).statusCode()).isEqualTo(200);
        assertThat(FakeDingTalk.await(() -> log.toString().contains("repeated delivery of msgA"))).isTrue();
        // a forged delivery
        var forged = deliver(Json.write(Payloads.group("msgB", "user123", "delete everything", webhook(), System.currentTimeMillis() + 3_600_000)), "guess");
        assertThat(forged.statusCode()).isEqualTo(401);
        assertThat(forged.body()).doesNotContain("Exception");
        // the robot's own message
        var own = Payloads.group("msgC", "user123", "The answer is 42.", webhook(), System.currentTimeMillis() + 3_600_000).put("senderId", Payloads.CHATBOT_USER_ID);
        assertThat(deliver(Json.write(own), FakeDingTalk.APP_SECRET).statusCode()).isEqualTo(200);
        assertThat(FakeDingTalk.await(() -> log.toString().contains("ignored a message from a bot"))).isTrue();

        assertThat(runs()).hasSize(1);
        assertThat(answers()).hasSize(1);
        assertThat(log.toString()).contains("refused a delivery").contains("does not match");
    }

    @Test
    void overStreamModeARobotMessageIsAcknowledgedAndStartsARunAnsweredInTheConversation() throws Exception {
        start(Map.of("mode", "stream"));
        // the server's start returns once the connection is asked for; the fake sees the socket a moment later
        assertThat(FakeDingTalk.await(() -> fake.sockets.size() == 1)).isTrue();
        var open = fake.calls("/v1.0/gateway/connections/open").get(0).body();
        assertThat(open.path("subscriptions")).extracting(s -> s.path("topic").asText())
                .contains(DingTalkStream.BOT_MESSAGES, DingTalkStream.CARD_CALLBACKS);

        fake.sendFrame("SYSTEM", "ping", "ping-1", "{\"opaque\":\"abc\"}");
        var message = Payloads.group("msgS", "user123", " what is the answer?", webhook(), System.currentTimeMillis() + 3_600_000);
        fake.sendFrame("CALLBACK", DingTalkStream.BOT_MESSAGES, "frame-1", Json.write(message));
        assertThat(FakeDingTalk.await(() -> fake.acks.size() >= 2)).isTrue();
        assertThat(fake.acks).anySatisfy(a -> {
            assertThat(a.path("headers").path("messageId").asText()).isEqualTo("ping-1");
            assertThat(a.path("data").asText()).isEqualTo("{\"opaque\":\"abc\"}");
        });
        assertThat(fake.acks).anySatisfy(a -> {
            assertThat(a.path("code").asInt()).isEqualTo(200);
            assertThat(a.path("headers").path("messageId").asText()).isEqualTo("frame-1");
        });
        assertThat(FakeDingTalk.await(() -> !answers().isEmpty())).as("log:\n%s", log).isTrue();
        assertThat(runs()).hasSize(1);

        // the gateway asks the client to move: it connects anew and goes on receiving
        fake.sendFrame("SYSTEM", "disconnect", "bye-1", "{\"reason\":\"upgrade\"}");
        assertThat(FakeDingTalk.await(() -> fake.tickets.size() == 2 && fake.sockets.size() == 1)).isTrue();
        var press = Payloads.cardCallback(answers().get(0).body().path("cardBizId").asText(), "user123", "x", "feedback_good",
                runs().path(0).path("id").asText());
        fake.sendFrame("CALLBACK", DingTalkStream.CARD_CALLBACKS, "frame-2", Json.write(press));
        assertThat(FakeDingTalk.await(() -> fake.calls("/robot/sendBySession").stream()
                .anyMatch(c -> c.body().path("markdown").path("text").asText().startsWith("Thanks, noted")))).as("log:\n%s", log).isTrue();
        assertThat(runs()).hasSize(1);
    }
}
