package ai.apprentice.channels.webhook;

import ai.apprentice.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.Javalin;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The other side of the webhook contract (docs/channels/webhook.md), on loopback: a chat system's reply endpoint that
 * verifies each request's signature as the doc says, records what the intern sent, and answers {@code message_ref}.
 */
final class FakeChatSystem implements AutoCloseable {
    static final String SECRET = "0123456789abcdef0123456789abcdef";
    static final Map<String, String> ENV = Map.of("HOOK_SECRET", SECRET);

    record Received(JsonNode body, String problem) {}

    final List<Received> received = new CopyOnWriteArrayList<>();
    private final AtomicInteger refs = new AtomicInteger();
    private final WebhookSignature signature = new WebhookSignature(SECRET, Clock.systemUTC());
    private final Javalin app;

    FakeChatSystem() {
        app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.jetty.host = "127.0.0.1";
            config.jetty.port = 0;
            config.routes.post("/reply", ctx -> {
                var problem = signature.problem(ctx.header(WebhookSignature.TIMESTAMP), ctx.header(WebhookSignature.SIGNATURE), ctx.bodyAsBytes());
                var body = Json.tree(ctx.body());
                received.add(new Received(body, problem));
                if (problem != null) {
                    ctx.status(401).json(Map.of("error", problem));
                    return;
                }
                if (body.path("type").asText().equals("check")) ctx.json(Map.of("name", "fake chat"));
                else if (body.path("type").asText().equals("post")) ctx.json(Map.of("message_ref", "ref-" + refs.incrementAndGet()));
                else ctx.status(204);
            });
        });
        app.start();
    }

    String replyUrl() {
        return "http://127.0.0.1:" + app.port() + "/reply";
    }

    /** What the intern posted and updated, signature checked. */
    List<JsonNode> messages() {
        return received.stream().filter(r -> r.problem() == null).map(Received::body).toList();
    }

    @Override
    public void close() {
        app.stop();
    }
}
