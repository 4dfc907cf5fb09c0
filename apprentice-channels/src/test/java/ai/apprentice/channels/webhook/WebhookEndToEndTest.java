package ai.apprentice.channels.webhook;

import static ai.apprentice.channels.ChannelTestServer.await;
import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.channels.ChannelTestServer;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real server with the webhook channel, over a scripted model, talking to a loopback chat system that keeps the contract. */
class WebhookEndToEndTest {
    @TempDir
    Path home;
    @TempDir
    Path root;
    private final FakeChatSystem fake = new FakeChatSystem();
    private final ChannelTestServer server = new ChannelTestServer();
    private final ByteArrayOutputStream log = server.log;
    private final HttpClient http = server.http;

    @BeforeEach
    void start() throws Exception {
        server.start(home, root, WebhookPlatformTest.config(fake.replyUrl(), Map.of()), FakeChatSystem.ENV, WebhookPlatform::create);
    }

    @AfterEach
    void stop() {
        server.close();
        fake.close();
    }

    /** A delivery as a client of the contract sends it. */
    private HttpResponse<String> deliver(String body, String secret) throws Exception {
        var bytes = body.getBytes(StandardCharsets.UTF_8);
        var signature = new WebhookSignature(secret, Clock.systemUTC());
        var ts = signature.now();
        return http.send(HttpRequest.newBuilder(URI.create(server.url() + "/channels/webhook/events")).header("Content-Type", "application/json")
                .header(WebhookSignature.TIMESTAMP, ts).header(WebhookSignature.SIGNATURE, signature.sign(ts, bytes))
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode runs() throws Exception {
        return server.runs();
    }

    private List<JsonNode> answers() {
        return fake.messages().stream().filter(m -> m.path("text").asText().contains("The answer is 42.")).toList();
    }

    @Test
    void aSignedMentionStartsOneRunAnsweredInTheThreadAndRetriesForgeriesAndBotsStartNone() throws Exception {
        var mention = """
                {"id": "m1", "user": {"id": "u1", "name": "Ann"}, "channel": "town-square", "thread": "t1", "text": "what is the answer?", "mentioned": true}""";
        var r = deliver(mention, FakeChatSystem.SECRET);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(await(() -> !answers().isEmpty())).as("the answer reached the chat system; log:\n%s", log).isTrue();
        var progress = fake.messages().get(0);
        assertThat(progress.path("type").asText()).isEqualTo("post");
        assertThat(progress.path("text").asText()).isEqualTo("Working on it…");
        var answer = answers().get(0);
        assertThat(answer.path("type").asText()).isEqualTo("update");
        assertThat(answer.path("update_of").asText()).isEqualTo("ref-1");
        assertThat(answer.path("channel").asText()).isEqualTo("town-square");
        assertThat(answer.path("thread").asText()).isEqualTo("t1");
        assertThat(answer.path("buttons")).extracting(b -> b.path("action").asText()).containsExactly("feedback_good", "feedback_bad", "feedback_correct");
        assertThat(runs()).hasSize(1);
        assertThat(runs().path(0).path("task").asText()).isEqualTo("what is the answer?");

        assertThat(deliver(mention, FakeChatSystem.SECRET).statusCode()).isEqualTo(200);
        assertThat(await(() -> log.toString().contains("repeated delivery of m1"))).isTrue();
        var forged = deliver(mention.replace("\"m1\"", "\"m2\""), "not-the-secret-0123456789");
        assertThat(forged.statusCode()).isEqualTo(401);
        assertThat(forged.body()).doesNotContain("Exception");
        var bot = """
                {"id": "m3", "user": {"id": "u1", "bot": true}, "channel": "town-square", "thread": "t1", "text": "The answer is 42.", "mentioned": true}""";
        assertThat(deliver(bot, FakeChatSystem.SECRET).statusCode()).isEqualTo(200);
        assertThat(await(() -> log.toString().contains("ignored a message from a bot"))).isTrue();

        // 👍 on the answer
        var press = "{\"id\": \"p1\", \"user\": {\"id\": \"u1\"}, \"channel\": \"town-square\", \"thread\": \"t1\", \"action\": {\"name\": \"feedback_good\", \"value\": \""
                + answer.path("buttons").path(0).path("value").asText() + "\"}, \"message_ref\": \"ref-1\"}";
        assertThat(deliver(press, FakeChatSystem.SECRET).statusCode()).isEqualTo(200);
        assertThat(await(() -> fake.messages().stream().anyMatch(m -> m.path("text").asText().startsWith("Thanks, noted")))).as("log:\n%s", log).isTrue();

        assertThat(runs()).hasSize(1);
        assertThat(answers()).hasSize(1);
        assertThat(log.toString()).contains("refused a delivery").contains("the signature does not match");
    }
}
