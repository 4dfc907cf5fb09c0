package ai.apprentice.channels.webhook;

import ai.apprentice.channels.ChannelConfig;
import ai.apprentice.channels.ChatEvent;
import ai.apprentice.channels.ChatException;
import ai.apprentice.channels.ChatPlatform;
import ai.apprentice.channels.Outgoing;
import ai.apprentice.json.Json;
import ai.apprentice.server.Inbound;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A chat system this apprentice has no platform for (Mattermost, Rocket.Chat, a team's own bot), through a small
 * signed contract of our own, specified in docs/channels/webhook.md: the system POSTs messages and button presses to
 * {@code /channels/NAME/events}, the intern POSTs its messages to the configured {@code reply_url}, both signed with
 * {@link WebhookSignature} and the one secret. The reply URL comes from the config only, never from a payload, so a
 * delivery cannot make the server send anywhere else.
 */
public final class WebhookPlatform implements ChatPlatform {
    private static final Duration TIMEOUT = Duration.ofSeconds(15);
    private final WebhookSignature signature;
    private final URI replyUrl;
    private final int maxChars;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    WebhookPlatform(WebhookSignature signature, URI replyUrl, int maxChars) {
        this.signature = signature;
        this.replyUrl = replyUrl;
        this.maxChars = maxChars;
    }

    public static WebhookPlatform create(ChannelConfig config, Map<String, String> env) throws ChatException {
        var at = "channels." + config.name() + ".";
        var secret = config.secret("secret_env", env);
        if (secret.length() < 16) throw new ChatException(at + "secret_env names a secret of " + secret.length() + " characters; use at least 16 (32 random bytes, hex, is good)");
        var url = config.setting("reply_url", config.setting("api_base_url", ""));
        if (url.isBlank()) throw new ChatException(at + "reply_url is not set: the URL where your chat system takes the intern's messages");
        URI reply;
        try {
            reply = URI.create(url);
            if (!"https".equals(reply.getScheme()) && !"http".equals(reply.getScheme()) || reply.getHost() == null) throw new IllegalArgumentException();
        } catch (IllegalArgumentException e) {
            throw new ChatException(at + "reply_url is not an http(s) URL: " + url);
        }
        int max;
        try {
            max = Integer.parseInt(config.setting("max_message_chars", "4000"));
            if (max < 200) throw new NumberFormatException();
        } catch (NumberFormatException e) {
            throw new ChatException(at + "max_message_chars must be a number, at least 200");
        }
        return new WebhookPlatform(new WebhookSignature(secret, Clock.systemUTC()), reply, max);
    }

    @Override
    public String name() {
        return "webhook";
    }

    @Override
    public int maxMessageChars() {
        return maxChars;
    }

    @Override
    public Received receive(Inbound.Request request) {
        var problem = signature.problem(request.header(WebhookSignature.TIMESTAMP), request.header(WebhookSignature.SIGNATURE), request.body());
        if (problem != null) return Received.refused(401, problem);
        JsonNode n;
        try {
            n = Json.tree(request.text());
        } catch (RuntimeException e) {
            return Received.refused(400, "the body is not JSON");
        }
        if (n == null || !n.isObject()) return Received.refused(400, "the body must be a JSON object");
        try {
            return Received.events(List.of(event(n)));
        } catch (IllegalArgumentException e) {
            return Received.refused(400, e.getMessage());
        }
    }

    private static ChatEvent event(JsonNode n) {
        var id = text(n, "id", true);
        var user = n.path("user");
        if (!user.isObject()) throw new IllegalArgumentException("user must be an object: {\"id\", \"name\", \"bot\"}");
        var userId = text(user, "id", true);
        var person = new ChatEvent.Person(userId, user.hasNonNull("name") ? text(user, "name", false) : userId, bool(user, "bot"));
        var place = new ChatEvent.Place(n.hasNonNull("team") ? text(n, "team", false) : "", text(n, "channel", true),
                n.hasNonNull("thread") ? text(n, "thread", false) : null);
        var action = n.path("action");
        if (!action.isMissingNode() && !action.isNull()) {
            if (!action.isObject()) throw new IllegalArgumentException("action must be an object: {\"name\", \"value\"}");
            return new ChatEvent.Action(id, place, person, text(action, "name", true), action.hasNonNull("value") ? text(action, "value", false) : "",
                    n.hasNonNull("message_ref") ? text(n, "message_ref", false) : null);
        }
        var body = n.hasNonNull("text") ? text(n, "text", false) : "";
        return new ChatEvent.Message(id, place, person, body, bool(n, "direct"), bool(n, "mentioned"), List.of());
    }

    private static String text(JsonNode n, String field, boolean required) {
        var v = n.get(field);
        if (v == null || v.isNull()) {
            if (required) throw new IllegalArgumentException(field + " is required");
            return "";
        }
        if (!v.isTextual()) throw new IllegalArgumentException(field + " must be a string");
        if (required && v.asText().isBlank()) throw new IllegalArgumentException(field + " must not be empty");
        return v.asText();
    }

    private static boolean bool(JsonNode n, String field) {
        var v = n.get(field);
        if (v == null || v.isNull()) return false;
        if (!v.isBoolean()) throw new IllegalArgumentException(field + " must be true or false");
        return v.booleanValue();
    }

    // ---- sending ----

    @Override
    public String post(ChatEvent.Place place, Outgoing message) throws ChatException {
        return send(message(place, message, "post")).path("message_ref").asText(null);
    }

    @Override
    public void update(ChatEvent.Place place, String messageRef, Outgoing message) throws ChatException {
        send(message(place, message, "update").put("update_of", messageRef));
    }

    @Override
    public String check() throws ChatException {
        var answer = send(Json.object().put("type", "check"));
        return "webhook: " + replyUrl + " accepted a signed check" + (answer.hasNonNull("name") ? " (" + answer.get("name").asText() + ")" : "");
    }

    private static ObjectNode message(ChatEvent.Place place, Outgoing message, String type) {
        var o = Json.object().put("type", type);
        if (place.team() != null && !place.team().isEmpty()) o.put("team", place.team());
        o.put("channel", place.channel());
        if (place.thread() != null) o.put("thread", place.thread());
        o.put("text", message.text());
        var buttons = o.putArray("buttons");
        for (var b : message.buttons()) {
            buttons.addObject().put("action", b.action()).put("value", b.value()).put("label", b.label()).put("style", b.style().name().toLowerCase(Locale.ROOT));
        }
        return o;
    }

    /** Posts {@code body}, signed, to the reply URL; its JSON answer (or an empty object for an empty body). */
    private JsonNode send(ObjectNode body) throws ChatException {
        var bytes = Json.write(body).getBytes(StandardCharsets.UTF_8);
        var ts = signature.now();
        var request = HttpRequest.newBuilder(replyUrl).timeout(TIMEOUT).header("Content-Type", "application/json")
                .header(WebhookSignature.TIMESTAMP, ts).header(WebhookSignature.SIGNATURE, signature.sign(ts, bytes))
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes)).build();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new ChatException("webhook: " + replyUrl + " could not be reached: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChatException("interrupted");
        }
        if (response.statusCode() / 100 != 2) {
            throw new ChatException("webhook: " + replyUrl + " answered HTTP " + response.statusCode() + (response.statusCode() == 401 ? " (does it have the same secret?)" : ""));
        }
        if (response.body().isBlank()) return Json.object();
        try {
            var n = Json.tree(response.body());
            return n != null && n.isObject() ? n : Json.object();
        } catch (RuntimeException e) {
            throw new ChatException("webhook: " + replyUrl + " answered a body that is not JSON");
        }
    }
}
