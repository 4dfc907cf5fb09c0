package ai.apprentice.channels.slack;

import ai.apprentice.channels.Button;
import ai.apprentice.channels.ChannelConfig;
import ai.apprentice.channels.ChatEvent;
import ai.apprentice.channels.ChatException;
import ai.apprentice.channels.ChatPlatform;
import ai.apprentice.channels.Outgoing;
import ai.apprentice.json.Json;
import ai.apprentice.server.Inbound;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.slack.api.Slack;
import com.slack.api.SlackConfig;
import com.slack.api.app_backend.SlackSignature;
import com.slack.api.methods.MethodsClient;
import com.slack.api.methods.SlackApiException;
import com.slack.api.methods.SlackApiTextResponse;
import com.slack.api.socket_mode.SocketModeClient;
import com.slack.api.socket_mode.response.AckResponse;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Slack, through Slack's SDK for Java (the Bolt project's Web API client, its request-signature verifier and its
 * Socket Mode client). HTTP deliveries are the Events API and interactivity (button presses), verified with the signing
 * secret over {@code v0:timestamp:body} within Slack's five-minute window
 * (https://api.slack.com/authentication/verifying-requests-from-slack); with {@code mode: socket} the same payloads
 * arrive over Socket Mode and are acknowledged by envelope id (https://api.slack.com/apis/socket-mode).
 */
public final class SlackPlatform implements ChatPlatform {
    static final String DEFAULT_API = "https://slack.com/api/";
    /** A section block's text takes 3,000 characters (https://api.slack.com/reference/block-kit/blocks#section). */
    private static final int MAX_TEXT = 3000;
    private static final Pattern MENTION = Pattern.compile("<@([A-Z0-9]+)(?:\\|[^>]*)?>");

    private final ChannelConfig config;
    private final SlackSignature.Verifier verifier;
    private final Slack slack;
    private final MethodsClient methods;
    private final String botToken;
    private final String appToken;
    private final URI apiBase;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).followRedirects(HttpClient.Redirect.NEVER).build();
    private volatile String botUserId;
    private volatile SocketModeClient socket;

    private SlackPlatform(ChannelConfig config, String signingSecret, String botToken, String appToken) {
        this.config = config;
        this.verifier = signingSecret == null ? null : new SlackSignature.Verifier(new SlackSignature.Generator(signingSecret));
        var base = config.setting("api_base_url", DEFAULT_API);
        if (!base.endsWith("/")) base += "/";
        this.apiBase = URI.create(base);
        var sc = new SlackConfig();
        sc.setMethodsEndpointUrlPrefix(base);
        sc.setPrettyResponseLoggingEnabled(false);
        sc.setLibraryMaintainerMode(false);
        sc.setFailOnUnknownProperties(false);
        this.slack = Slack.getInstance(sc);
        this.botToken = botToken;
        this.appToken = appToken;
        this.methods = slack.methods(botToken);
        this.botUserId = config.setting("bot_user_id", null);
    }

    /** From the channel's config: {@code signing_secret_env}, {@code bot_token_env}, and {@code app_token_env} with {@code mode: socket}. */
    public static SlackPlatform create(ChannelConfig config, Map<String, String> env) throws ChatException {
        var mode = config.setting("mode", "events");
        if (!mode.equals("events") && !mode.equals("socket")) throw new ChatException("channels." + config.name() + ".mode must be events or socket, not " + mode);
        var bot = config.secret("bot_token_env", env);
        String signing = mode.equals("events") || config.settings().containsKey("signing_secret_env") ? config.secret("signing_secret_env", env) : null;
        String app = mode.equals("socket") ? config.secret("app_token_env", env) : null;
        return new SlackPlatform(config, signing, bot, app);
    }

    @Override
    public String name() {
        return "slack";
    }

    @Override
    public int maxMessageChars() {
        return MAX_TEXT;
    }

    // ---- in ----

    @Override
    public Received receive(Inbound.Request request) {
        if (!"POST".equals(request.method())) return Received.refused(400, "Slack delivers events with POST, not " + request.method());
        if (verifier == null) return Received.refused(401, "this channel takes Socket Mode deliveries only (no signing_secret_env is set)");
        var ts = request.header("X-Slack-Request-Timestamp");
        var sig = request.header("X-Slack-Signature");
        if (ts == null || sig == null) return Received.refused(401, "no X-Slack-Signature / X-Slack-Request-Timestamp header");
        if (!SlackSignature.TimestampVerifier.isValidTimestamp(ts)) return Received.refused(401, "the request timestamp " + ts + " is outside Slack's five-minute window");
        var body = request.text();
        if (!verifier.isValid(ts, body, sig)) return Received.refused(401, "the X-Slack-Signature does not match the body (wrong signing secret?)");
        try {
            var contentType = String.valueOf(request.header("Content-Type"));
            if (contentType.startsWith("application/x-www-form-urlencoded")) {
                var payload = form(body).get("payload");
                if (payload == null) return Received.refused(400, "an interactivity delivery without a payload field");
                return Received.events(interaction(Json.tree(payload)));
            }
            var json = Json.tree(body);
            return switch (json.path("type").asText()) {
                case "url_verification" -> Received.answer(Inbound.Response.json(200, Json.write(Json.object().put("challenge", json.path("challenge").asText()))));
                case "event_callback" -> Received.events(event(json));
                default -> Received.answer(Inbound.Response.ok()); // app_rate_limited and others: nothing to do
            };
        } catch (RuntimeException e) {
            return Received.refused(400, "a malformed Slack payload (" + e.getClass().getSimpleName() + ")");
        }
    }

    private static Map<String, String> form(String body) {
        var out = new java.util.LinkedHashMap<String, String>();
        for (var pair : body.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) out.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return out;
    }

    /** An Events API callback: app_mention, or a message (direct, or in a channel where it mentions the intern). */
    List<ChatEvent> event(JsonNode callback) {
        var e = callback.path("event");
        var type = e.path("type").asText();
        if (!type.equals("app_mention") && !type.equals("message")) return List.of();
        var subtype = e.path("subtype").asText("");
        // edits, deletions, joins: not new words from a person (file_share is a message with files)
        if (!subtype.isEmpty() && !subtype.equals("file_share") && !subtype.equals("bot_message") && !subtype.equals("thread_broadcast")) return List.of();
        var me = botUserId(callback);
        var user = e.path("user").asText(e.path("bot_id").asText(""));
        boolean bot = e.hasNonNull("bot_id") || subtype.equals("bot_message") || (me != null && me.equals(user));
        var text = e.path("text").asText("");
        boolean direct = "im".equals(e.path("channel_type").asText());
        boolean mentioned = type.equals("app_mention") || (me != null && text.contains("<@" + me));
        // app_mention and message arrive both for one mention: one id for the message, so that the second is a repeat
        var ts = e.path("ts").asText();
        var channel = e.path("channel").asText();
        var eventId = "msg:" + channel + ":" + ts;
        if (type.equals("message") && !direct && !mentioned) eventId = callback.path("event_id").asText(eventId); // the thread's own chatter
        var thread = e.hasNonNull("thread_ts") ? e.path("thread_ts").asText() : ts;
        var place = new ChatEvent.Place(callback.path("team_id").asText(e.path("team").asText(null)), channel, thread);
        var files = new ArrayList<ChatEvent.Attachment>();
        for (var f : e.path("files")) files.add(new ChatEvent.Attachment(f.path("name").asText("file"), f.path("size").asLong(-1), f.path("url_private").asText(null)));
        var clean = MENTION.matcher(text).replaceAll(r -> r.group(1).equals(me) ? "" : r.group()).strip();
        if (me == null && type.equals("app_mention")) clean = clean.replaceFirst("^<@[A-Z0-9]+>\\s*", "");
        return List.of(new ChatEvent.Message(eventId, place, new ChatEvent.Person(user, e.path("username").asText(null), bot), clean, direct, mentioned, files));
    }

    /** The intern's own user id: from the callback's authorizations, else auth.test once. */
    private String botUserId(JsonNode callback) {
        if (botUserId != null) return botUserId;
        for (var a : callback.path("authorizations")) {
            if (a.path("is_bot").asBoolean(false) && a.hasNonNull("user_id")) return botUserId = a.path("user_id").asText();
        }
        try {
            var r = methods.authTest(q -> q);
            if (r.isOk()) botUserId = r.getUserId();
        } catch (IOException | SlackApiException e) {
            // unknown: a message that mentions someone is taken as not mentioning the intern; app_mention still works
        }
        return botUserId;
    }

    /** A block_actions payload: a press of one of the intern's buttons. */
    static List<ChatEvent> interaction(JsonNode p) {
        if (!"block_actions".equals(p.path("type").asText())) return List.of();
        var out = new ArrayList<ChatEvent>();
        var message = p.path("message");
        var channel = p.path("channel").path("id").asText(p.path("container").path("channel_id").asText());
        var messageTs = p.path("container").path("message_ts").asText(message.path("ts").asText());
        var thread = message.hasNonNull("thread_ts") ? message.path("thread_ts").asText() : messageTs;
        var place = new ChatEvent.Place(p.path("team").path("id").asText(null), channel, thread);
        var user = p.path("user");
        var from = new ChatEvent.Person(user.path("id").asText(), user.path("username").asText(user.path("name").asText(null)), false);
        for (var a : p.path("actions")) {
            out.add(new ChatEvent.Action("act:" + a.path("action_ts").asText() + ":" + from.id() + ":" + a.path("action_id").asText(),
                    place, from, a.path("action_id").asText(), a.path("value").asText(), messageTs));
        }
        return out;
    }

    /** Socket Mode: the same payloads in envelopes, each acknowledged by its id before it is handled. */
    @Override
    public boolean connect(Consumer<ChatEvent> sink) throws ChatException {
        if (appToken == null) return false;
        try {
            var client = slack.socketMode(appToken, SocketModeClient.Backend.JavaWebSocket);
            client.addWebSocketMessageListener(message -> {
                JsonNode envelope;
                try {
                    envelope = Json.tree(message);
                } catch (RuntimeException e) {
                    return;
                }
                var id = envelope.path("envelope_id").asText(null);
                if (id != null) client.sendSocketModeResponse(AckResponse.builder().envelopeId(id).build());
                var payload = envelope.path("payload");
                var events = switch (envelope.path("type").asText()) {
                    case "events_api" -> event(payload);
                    case "interactive" -> interaction(payload);
                    default -> List.<ChatEvent>of(); // hello, disconnect (the client reconnects), slash commands
                };
                events.forEach(sink);
            });
            client.setAutoReconnectEnabled(true);
            client.connect();
            this.socket = client;
            return true;
        } catch (IOException | RuntimeException e) {
            throw new ChatException("Slack Socket Mode: " + e.getMessage(), e);
        }
    }

    // ---- out ----

    @Override
    public String post(ChatEvent.Place place, Outgoing message) throws ChatException {
        var r = call("chat.postMessage", () -> methods.chatPostMessage(q -> q.channel(place.channel()).threadTs(place.thread())
                .text(message.text()).blocksAsString(blocks(message)).unfurlLinks(false)));
        return r.getTs();
    }

    @Override
    public void update(ChatEvent.Place place, String messageRef, Outgoing message) throws ChatException {
        call("chat.update", () -> methods.chatUpdate(q -> q.channel(place.channel()).ts(messageRef).text(message.text()).blocksAsString(blocks(message))));
    }

    @Override
    public void upload(ChatEvent.Place place, String filename, String content, String comment) throws ChatException {
        call("files.uploadV2", () -> methods.filesUploadV2(q -> q.channel(place.channel()).threadTs(place.thread()).filename(filename)
                .title(filename).content(content).initialComment(comment)));
    }

    /** A file of a message, fetched with the bot token: only from Slack's file host or the configured API's host. */
    @Override
    public byte[] download(ChatEvent.Attachment attachment, long maxBytes) throws ChatException {
        if (attachment.url() == null) throw new ChatException("Slack gave no download address for " + attachment.name());
        var url = URI.create(attachment.url());
        var host = url.getHost();
        boolean slackFiles = "https".equals(url.getScheme()) && "files.slack.com".equals(host);
        if (!slackFiles && !java.util.Objects.equals(host, apiBase.getHost())) {
            throw new ChatException("the file " + attachment.name() + " is not on Slack's file host; not fetched with the bot token");
        }
        try {
            var response = http.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(60)).header("Authorization", "Bearer " + botToken).GET().build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            try (var in = response.body()) {
                if (response.statusCode() != 200) throw new ChatException("Slack answered " + response.statusCode() + " for the file " + attachment.name());
                var bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
                if (bytes.length > maxBytes) throw new ChatException("the file " + attachment.name() + " is larger than " + maxBytes + " bytes");
                return bytes;
            }
        } catch (IOException e) {
            throw new ChatException("cannot fetch " + attachment.name() + " from Slack: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChatException("interrupted while fetching " + attachment.name());
        }
    }

    @Override
    public String check() throws ChatException {
        var r = call("auth.test", () -> methods.authTest(q -> q));
        botUserId = r.getUserId();
        return "signed in to " + r.getTeam() + " (" + r.getTeamId() + ") as @" + r.getUser() + " (" + r.getUserId() + ") at " + apiBase;
    }

    /** Text in a section block, and the buttons in an actions block (https://api.slack.com/reference/block-kit). */
    static String blocks(Outgoing message) {
        ArrayNode blocks = Json.MAPPER.createArrayNode();
        var section = blocks.addObject().put("type", "section");
        section.putObject("text").put("type", "mrkdwn").put("text", message.text().isEmpty() ? " " : message.text());
        if (!message.buttons().isEmpty()) {
            var elements = blocks.addObject().put("type", "actions").putArray("elements");
            for (var b : message.buttons()) {
                var e = elements.addObject().put("type", "button").put("action_id", b.action()).put("value", b.value());
                e.putObject("text").put("type", "plain_text").put("text", b.label()).put("emoji", true);
                if (b.style() == Button.Style.PRIMARY) e.put("style", "primary");
                if (b.style() == Button.Style.DANGER) e.put("style", "danger");
            }
        }
        return Json.write(blocks);
    }

    private interface Call<T extends SlackApiTextResponse> {
        T run() throws Exception;
    }

    private <T extends SlackApiTextResponse> T call(String method, Call<T> call) throws ChatException {
        T r;
        try {
            r = call.run();
        } catch (SlackApiException e) {
            throw new ChatException("Slack " + method + " answered HTTP " + e.getResponse().code() + " at " + apiBase, e);
        } catch (IOException e) {
            throw new ChatException("cannot reach Slack at " + apiBase + " for " + method + ": " + e.getMessage(), e);
        } catch (Exception e) {
            throw new ChatException("Slack " + method + " failed: " + e.getMessage(), e);
        }
        if (!r.isOk()) {
            var hint = switch (String.valueOf(r.getError())) {
                case "invalid_auth", "not_authed", "token_revoked", "account_inactive" -> ": the bot token (" + config.setting("bot_token_env", "?") + ") is wrong or revoked";
                case "channel_not_found", "not_in_channel" -> ": invite the app to the channel (/invite @app)";
                case "missing_scope" -> ": the app lacks the scope " + r.getNeeded() + "; add it under OAuth & Permissions and reinstall";
                default -> "";
            };
            throw new ChatException("Slack " + method + " said " + r.getError() + hint);
        }
        return r;
    }

    @Override
    public void close() {
        var s = socket;
        if (s != null) {
            try {
                s.close();
            } catch (IOException | RuntimeException e) {
                // closing
            }
        }
    }
}
