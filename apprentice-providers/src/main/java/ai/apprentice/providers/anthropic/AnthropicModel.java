package ai.apprentice.providers.anthropic;

import ai.apprentice.json.Json;
import ai.apprentice.model.ChatRequest;
import ai.apprentice.model.ChatResponse;
import ai.apprentice.model.Message;
import ai.apprentice.model.Model;
import ai.apprentice.model.ModelException;
import ai.apprentice.model.ModelListener;
import ai.apprentice.model.Role;
import ai.apprentice.model.ToolCall;
import ai.apprentice.model.Usage;
import ai.apprentice.providers.ProviderSettings;
import ai.apprentice.providers.Streaming;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The Anthropic Messages API, streamed. The system prompt is a top-level field; tool calls are
 * {@code tool_use} blocks and their results {@code tool_result} blocks in a user message; consecutive
 * messages of one role are merged, since the API wants user and assistant turns to alternate.
 */
public final class AnthropicModel implements Model {
    public static final String VERSION = "2023-06-01";
    static final int DEFAULT_MAX_TOKENS = 4096;

    private final String id;
    private final String model;
    private final URI endpoint;
    private final String apiKey;
    private final ProviderSettings settings;
    private final HttpClient client;

    public AnthropicModel(String id, String model, String baseUrl, String apiKey, ProviderSettings settings) {
        this.id = id;
        this.model = model;
        var base = baseUrl.replaceAll("/+$", "");
        this.endpoint = URI.create(base.endsWith("/v1") ? base + "/messages" : base + "/v1/messages");
        this.apiKey = apiKey;
        this.settings = settings;
        this.client = Streaming.client(settings.connectTimeout());
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public ChatResponse chat(ChatRequest request, ModelListener listener) throws InterruptedException {
        var headers = new LinkedHashMap<>(settings.headers());
        headers.put("x-api-key", apiKey == null ? "" : apiKey);
        headers.put("anthropic-version", VERSION);
        var response = Streaming.post(client, endpoint, headers, body(request).toString(), settings.readTimeout());
        try (var sse = Streaming.events(response.body(), endpoint, settings.readTimeout())) {
            return read(sse, listener);
        }
    }

    ObjectNode body(ChatRequest request) {
        var body = Json.object().put("model", model)
                .put("max_tokens", request.maxOutputTokens() == null ? DEFAULT_MAX_TOKENS : request.maxOutputTokens());
        var system = new StringBuilder();
        var messages = body.putArray("messages");
        ObjectNode last = null;
        for (var m : request.messages()) {
            if (m.role() == Role.SYSTEM) {
                if (!system.isEmpty()) system.append("\n\n");
                system.append(m.text());
                continue;
            }
            String role = m.role() == Role.ASSISTANT ? "assistant" : "user";
            if (last == null || !last.get("role").asText().equals(role)) {
                last = messages.addObject().put("role", role);
                last.putArray("content");
            }
            addBlocks((ArrayNode) last.get("content"), m);
        }
        if (!system.isEmpty()) body.put("system", system.toString());
        if (!request.tools().isEmpty()) {
            var tools = body.putArray("tools");
            for (var t : request.tools()) {
                tools.addObject().put("name", t.name()).put("description", t.description()).set("input_schema", t.parameters());
            }
        }
        if (request.temperature() != null) body.put("temperature", request.temperature());
        if (!request.stop().isEmpty()) {
            var stop = body.putArray("stop_sequences");
            request.stop().forEach(stop::add);
        }
        body.put("stream", true);
        return body;
    }

    private static void addBlocks(ArrayNode content, Message m) {
        switch (m.role()) {
            case TOOL -> content.addObject().put("type", "tool_result").put("tool_use_id", m.toolCallId()).put("content", m.text());
            case ASSISTANT -> {
                if (!m.text().isBlank()) content.addObject().put("type", "text").put("text", m.text());
                for (var c : m.toolCalls()) {
                    JsonNode input;
                    try {
                        input = Json.MAPPER.readTree(c.arguments());
                    } catch (Exception e) {
                        input = null;
                    }
                    // The API needs an object; malformed arguments (already reported to the model) go as {}.
                    content.addObject().put("type", "tool_use").put("id", c.id()).put("name", c.name())
                            .set("input", input != null && input.isObject() ? input : Json.object());
                }
            }
            default -> content.addObject().put("type", "text").put("text", m.text().isEmpty() ? "(empty)" : m.text());
        }
    }

    private static final class Block {
        String type;
        String id;
        String name;
        final StringBuilder text = new StringBuilder();
    }

    /** Token counts as the stream reports them: input tokens arrive first, in message_start. */
    private static final class Counts {
        long input;
        long output;
    }

    private ChatResponse read(Streaming.Events sse, ModelListener listener) throws InterruptedException {
        var counts = new Counts();
        try {
            return read(sse, listener, counts);
        } catch (ModelException e) {
            // The input was read (and billed) even though the answer broke off: tell the budget.
            var spent = new Usage(counts.input, counts.output);
            throw spent.total() > 0 && e.usage().total() == 0 ? e.withUsage(spent) : e;
        }
    }

    private ChatResponse read(Streaming.Events sse, ModelListener listener, Counts counts) throws InterruptedException {
        Map<Integer, Block> blocks = new TreeMap<>();
        String stop = null;
        boolean finished = false;
        Streaming.Event event;
        while ((event = sse.next()) != null) {
            if (event.data().isEmpty()) continue;
            JsonNode data;
            try {
                data = Json.MAPPER.readTree(event.data());
            } catch (Exception e) {
                throw new ModelException("Unreadable stream event from " + endpoint + ": " + event.data(), true);
            }
            String type = data.path("type").asText(event.name() == null ? "" : event.name());
            switch (type) {
                case "message_start" -> {
                    var u = data.path("message").path("usage");
                    counts.input = u.path("input_tokens").asLong() + u.path("cache_read_input_tokens").asLong()
                            + u.path("cache_creation_input_tokens").asLong();
                    counts.output = u.path("output_tokens").asLong();
                }
                case "content_block_start" -> {
                    var b = new Block();
                    var cb = data.path("content_block");
                    b.type = cb.path("type").asText();
                    b.id = cb.path("id").asText(null);
                    b.name = cb.path("name").asText(null);
                    if (cb.path("text").isTextual()) b.text.append(cb.get("text").asText());
                    blocks.put(data.path("index").asInt(blocks.size()), b);
                }
                case "content_block_delta" -> {
                    var b = blocks.get(data.path("index").asInt());
                    if (b == null) throw new ModelException("Stream from " + endpoint + " sent a delta for an unknown block", true);
                    var d = data.path("delta");
                    switch (d.path("type").asText()) {
                        case "text_delta" -> {
                            b.text.append(d.path("text").asText());
                            listener.onTextDelta(d.path("text").asText());
                        }
                        case "input_json_delta" -> b.text.append(d.path("partial_json").asText());
                        default -> { } // thinking and signature deltas are not part of the answer
                    }
                }
                case "message_delta" -> {
                    if (data.path("delta").path("stop_reason").isTextual()) stop = data.path("delta").get("stop_reason").asText();
                    if (data.path("usage").has("output_tokens")) counts.output = data.path("usage").get("output_tokens").asLong();
                }
                case "message_stop" -> finished = true;
                case "error" -> {
                    var err = data.path("error");
                    boolean retryable = err.path("type").asText().matches("overloaded_error|api_error|rate_limit_error");
                    throw new ModelException("Error from " + endpoint + " mid-stream: " + err.path("type").asText() + ": "
                            + err.path("message").asText(), retryable);
                }
                default -> { } // ping, content_block_stop
            }
            if (finished) break;
        }
        if (!finished) throw new ModelException("The stream from " + endpoint + " ended before the answer was complete", true);
        var text = new StringBuilder();
        var calls = new ArrayList<ToolCall>();
        for (var b : blocks.values()) {
            if ("text".equals(b.type)) text.append(b.text);
            if ("tool_use".equals(b.type)) calls.add(new ToolCall(b.id, b.name, b.text.isEmpty() ? "{}" : b.text.toString()));
        }
        return new ChatResponse(Message.assistant(text.toString(), List.copyOf(calls)), new Usage(counts.input, counts.output), stop);
    }
}
