package ai.apprentice.channels.wecom;

import static ai.apprentice.channels.ChannelTestServer.await;
import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.channels.ChannelTestServer;

import ai.apprentice.server.Inbound;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real server with the WeCom channel, over a scripted model, talking to the loopback fake of WeCom. */
class WeComEndToEndTest {
    @TempDir
    Path home;
    @TempDir
    Path root;
    private final FakeWeCom fake = new FakeWeCom();
    private final ChannelTestServer server = new ChannelTestServer();
    private final ByteArrayOutputStream log = server.log;
    private final HttpClient http = server.http;

    @BeforeEach
    void start() throws Exception {
        server.start(home, root, WeComPlatformTest.config(fake.url(), Map.of()), FakeWeCom.ENV, WeComPlatform::create);
    }

    @AfterEach
    void stop() {
        server.close();
        fake.close();
    }

    private String events() {
        return server.url() + "/channels/wecom/events";
    }

    private JsonNode runs() throws Exception {
        return server.runs();
    }

    /** The answer's card: the progress message is recalled and the answer posted as a card with the feedback buttons. */
    private List<JsonNode> answers() {
        return fake.sent().stream().filter(m -> m.path("template_card").path("sub_title_text").asText().contains("The answer is 42.")).toList();
    }

    @Test
    void aSignedMessageStartsOneRunAnsweredToThePersonAndRetriesAndForgeriesStartNone() throws Exception {
        var message = FakeWeCom.text("4561255354251345929", "zhangsan", "what is the answer?");
        var delivered = FakeWeCom.deliver(events(), fake.callback(message, FakeWeCom.TOKEN));
        assertThat(delivered.statusCode()).isEqualTo(200);
        assertThat(delivered.body()).isEmpty();
        assertThat(await(() -> !answers().isEmpty())).as("the answer reached WeCom; log:\n%s", log).isTrue();
        var answer = answers().get(0);
        assertThat(answer.path("touser").asText()).isEqualTo("zhangsan");
        assertThat(answer.path("agentid").asInt()).isEqualTo(FakeWeCom.AGENT_ID);
        assertThat(answer.path("template_card").path("button_list")).extracting(b -> b.path("key").asText().split(":")[0])
                .containsExactly("feedback_good", "feedback_bad", "feedback_correct");
        assertThat(fake.sent().get(0).path("markdown").path("content").asText()).isEqualTo("Working on it…");
        assertThat(fake.calls("/cgi-bin/message/recall")).extracting(c -> c.body().path("msgid").asText()).containsExactly("msg1");
        assertThat(runs()).hasSize(1);
        assertThat(runs().path(0).path("task").asText()).isEqualTo("what is the answer?");

        // WeCom retries when it thinks a delivery failed: the same MsgId with a new nonce and signature
        assertThat(FakeWeCom.deliver(events(), fake.callback(message, FakeWeCom.TOKEN)).statusCode()).isEqualTo(200);
        assertThat(await(() -> log.toString().contains("repeated delivery of msg:4561255354251345929"))).isTrue();
        // a forgery
        var forged = FakeWeCom.deliver(events(), fake.callback(FakeWeCom.text("99", "zhangsan", "delete everything"), "guess"));
        assertThat(forged.statusCode()).isEqualTo(401);
        assertThat(forged.body()).doesNotContain("Exception");
        assertThat(log.toString()).contains("refused a delivery").contains("msg_signature does not match");

        // a press of 👍 on the answer's card is feedback on the run
        var key = answer.path("template_card").path("button_list").path(0).path("key").asText();
        var press = FakeWeCom.cardEvent("zhangsan", key, answer.path("template_card").path("task_id").asText(), "rc-1");
        assertThat(FakeWeCom.deliver(events(), fake.callback(press, FakeWeCom.TOKEN)).statusCode()).isEqualTo(200);
        assertThat(await(() -> fake.sent().stream().anyMatch(m -> m.path("markdown").path("content").asText().startsWith("Thanks, noted")))).as("log:\n%s", log).isTrue();

        assertThat(runs()).hasSize(1);
        assertThat(answers()).hasSize(1);
    }

    @Test
    void theUrlVerificationThroughTheChannelsHandlerAnswersThePlainEchostr() throws Exception {
        // the server mounts POST only; this is what a GET route to the same handler would be given
        var echo = fake.crypto.encrypt("5927410386223455");
        var query = Map.of("msg_signature", fake.crypto.signature("1700000000", "9", echo), "timestamp", "1700000000", "nonce", "9", "echostr", echo);
        var intern = server.channels().intern("wecom").orElseThrow();
        var answer = intern.deliver(new Inbound.Request("GET", "/channels/wecom/events", Map.of(), query, new byte[0], "127.0.0.1"));
        assertThat(answer.status()).isEqualTo(200);
        assertThat(new String(answer.body(), StandardCharsets.UTF_8)).isEqualTo("5927410386223455");
        var forged = Map.of("msg_signature", "0".repeat(40), "timestamp", "1700000000", "nonce", "9", "echostr", echo);
        assertThat(intern.deliver(new Inbound.Request("GET", "/channels/wecom/events", Map.of(), forged, new byte[0], "127.0.0.1")).status()).isEqualTo(401);
        assertThat(runs()).isEmpty();
    }
}
