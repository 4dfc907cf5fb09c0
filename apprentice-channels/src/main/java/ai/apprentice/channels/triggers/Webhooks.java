package ai.apprentice.channels.triggers;

import ai.apprentice.json.Json;
import ai.apprentice.server.Inbound;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Deliveries to {@code POST /hooks/NAME}. Nothing is read before the signature is checked; a bad or missing one is a
 * 401. Generic webhooks sign with {@code X-Apprentice-Signature-256: sha256=HEX}: over the body, or over
 * {@code TIMESTAMP.BODY} when {@code X-Apprentice-Timestamp} (Unix seconds) is sent, which must then be within five
 * minutes. GitHub's sign with {@code X-Hub-Signature-256} and name their event in {@code X-GitHub-Event}; a delivery
 * id ({@code X-GitHub-Delivery}, {@code X-Apprentice-Delivery}) starts at most one run, however often it is redelivered.
 * Every refusal is logged with its reason and answered with a JSON error; none starts a run.
 */
final class Webhooks {
    static final long MAX_BODY = 1024 * 1024;
    static final Duration WINDOW = Duration.ofMinutes(5);
    private static final Pattern DELIVERY = Pattern.compile("[A-Za-z0-9_.:-]{1,100}");
    private static final Pattern EVENT = Pattern.compile("[a-z_]{1,50}");

    private final Triggers triggers;
    private final Map<String, String> env;
    private final Clock clock;
    private final PrintStream log;

    Webhooks(Triggers triggers, Map<String, String> env, Clock clock, PrintStream log) {
        this.triggers = triggers;
        this.env = env;
        this.clock = clock;
        this.log = log;
    }

    Inbound.Response handle(String name, Inbound.Request request) {
        var found = triggers.store().get(name);
        if (found.isEmpty() || !(found.get().source() instanceof Trigger.Webhook hook)) {
            return refuse(name, request, 404, "not_found", "No webhook trigger at " + request.path());
        }
        var trigger = found.get();
        if (request.body().length > MAX_BODY) {
            return refuse(name, request, 413, "too_large", "The body is larger than a webhook takes (" + MAX_BODY + " bytes)");
        }
        var secret = env.get(hook.secretEnv());
        if (secret == null || secret.isEmpty()) {
            return refuse(name, request, 503, "not_configured", "The webhook's secret is not set on this server (environment variable " + hook.secretEnv() + ")");
        }
        var refused = hook.github() ? checkGitHub(secret, request) : checkGeneric(secret, request);
        if (refused != null) return refuse(name, request, 401, refused[0], refused[1]);

        JsonNode payload;
        try {
            payload = payload(request);
        } catch (IllegalArgumentException e) {
            return refuse(name, request, 400, "bad_request", e.getMessage());
        }
        var delivery = hook.github() ? request.header("X-GitHub-Delivery") : request.header("X-Apprentice-Delivery");
        if (delivery != null && !DELIVERY.matcher(delivery).matches()) {
            return refuse(name, request, 400, "bad_request", "The delivery id is not one (1 to 100 of A-Z a-z 0-9 _ . : -)");
        }
        if (!hook.github()) {
            var key = delivery != null ? "delivery:" + delivery : "received:" + clock.instant() + ":" + Triggers.nonce();
            return started(name, triggers.start(trigger, key, "webhook", delivery == null ? null : "delivery " + delivery, payload, true, null));
        }

        var event = request.header("X-GitHub-Event");
        if (event == null || !EVENT.matcher(event).matches()) return refuse(name, request, 400, "bad_request", "X-GitHub-Event is missing or not an event name");
        var decision = GitHubEvents.decide(event, payload, hook.mention());
        return switch (decision) {
            case GitHubEvents.Ping p -> {
                log.println("trigger " + name + ": GitHub says hello (ping)");
                yield Inbound.Response.json(200, Json.write(Json.object().put("ok", true).put("event", "ping")));
            }
            case GitHubEvents.Ignore i -> {
                log.println("trigger " + name + ": ignored a " + event + " delivery: " + i.reason());
                yield Inbound.Response.json(202, Json.write(Json.object().put("ignored", true).put("reason", i.reason())));
            }
            case GitHubEvents.Malformed m -> refuse(name, request, 400, "bad_request", m.reason());
            case GitHubEvents.Start s -> {
                if (delivery == null) yield refuse(name, request, 400, "bad_request", "X-GitHub-Delivery is missing (it keeps a redelivery from starting a second run)");
                var key = "delivery:" + delivery;
                var target = GitHubReplies.target(hook, s.repo(), s.number());
                yield started(name, triggers.start(trigger, key, "github " + event, s.summary() + " " + s.repo() + "#" + s.number() + ", delivery " + delivery,
                        payload, true, target));
            }
        };
    }

    /** Null when the GitHub signature holds, else the code and reason of the refusal. */
    private static String[] checkGitHub(String secret, Inbound.Request request) {
        var signature = request.header("X-Hub-Signature-256");
        if (signature == null) return new String[] {"unauthorized", "X-Hub-Signature-256 is missing"};
        if (!Signatures.valid(secret, request.body(), signature)) return new String[] {"unauthorized", "X-Hub-Signature-256 does not match the body"};
        return null;
    }

    private String[] checkGeneric(String secret, Inbound.Request request) {
        var signature = request.header("X-Apprentice-Signature-256");
        if (signature == null) return new String[] {"unauthorized", "X-Apprentice-Signature-256 is missing"};
        var timestamp = request.header("X-Apprentice-Timestamp");
        var signed = timestamp == null ? request.body() : Signatures.withTimestamp(timestamp, request.body());
        if (!Signatures.valid(secret, signed, signature)) {
            return new String[] {"unauthorized", "X-Apprentice-Signature-256 does not match the " + (timestamp == null ? "body" : "timestamp and body")};
        }
        if (timestamp != null) {
            long seconds;
            try {
                seconds = Long.parseLong(timestamp.strip());
            } catch (NumberFormatException e) {
                return new String[] {"unauthorized", "X-Apprentice-Timestamp is not Unix seconds"};
            }
            var age = Duration.between(Instant.ofEpochSecond(seconds), clock.instant()).abs();
            if (age.compareTo(WINDOW) > 0) return new String[] {"expired", "X-Apprentice-Timestamp is more than five minutes from this server's clock"};
        }
        return null;
    }

    /** The JSON payload: the body, or GitHub's form encoding ({@code payload=...}); an empty body is {}. */
    private static JsonNode payload(Inbound.Request request) {
        var text = request.text();
        var type = String.valueOf(request.header("Content-Type")).toLowerCase(java.util.Locale.ROOT);
        if (type.startsWith("application/x-www-form-urlencoded")) {
            String form = null;
            for (var pair : text.split("&")) {
                if (pair.startsWith("payload=")) form = URLDecoder.decode(pair.substring(8), StandardCharsets.UTF_8);
            }
            if (form == null) throw new IllegalArgumentException("The form has no payload field");
            text = form;
        }
        if (text.isBlank()) return Json.object();
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("The body is not valid JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) throw new IllegalArgumentException("The body must be a JSON object");
        return node;
    }

    private static Inbound.Response started(String name, Triggers.Started started) {
        var o = Json.object();
        return switch (started) {
            case Triggers.Started.Run r -> Inbound.Response.json(202, Json.write(o.put("trigger", name).put("run_id", r.runId())));
            case Triggers.Started.Duplicate d -> {
                o.put("trigger", name).put("duplicate", true);
                if (d.runId() != null) o.put("run_id", d.runId());
                yield Inbound.Response.json(200, Json.write(o));
            }
            case Triggers.Started.Failed f -> Inbound.Response.error(f.status(), f.code(), f.message());
        };
    }

    private Inbound.Response refuse(String name, Inbound.Request request, int status, String code, String reason) {
        log.println("trigger " + name + ": refused a delivery from " + request.remoteAddress() + " (" + status + "): " + Triggers.shown(reason));
        return Inbound.Response.error(status, code, reason);
    }
}
