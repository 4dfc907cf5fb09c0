package ai.apprentice.providers.anthropic;

import ai.apprentice.json.Json;
import ai.apprentice.model.ChatRequest;
import ai.apprentice.model.ChatResponse;
import ai.apprentice.model.Message;
import ai.apprentice.model.Model;
import ai.apprentice.model.ModelException;
import ai.apprentice.model.ModelCapabilities;
import ai.apprentice.model.ModelListener;
import ai.apprentice.model.Reasoning;
import ai.apprentice.model.Role;
import ai.apprentice.model.ToolCall;
import ai.apprentice.model.Usage;
import ai.apprentice.providers.ModelCatalog;
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
 *
 * <p>Prompt caching (https://docs.anthropic.com/en/docs/build-with-claude/prompt-caching): {@code cache_control}
 * breakpoints go on the stable prefix, in the API's order tools, system, messages: the last tool, the system
 * prompt, and the last block of the last two user turns (the newest writes the cache the next step reads; the
 * one before reads this step's). That is at most the documented four. Usage reports
 * {@code cache_read_input_tokens} and {@code cache_creation_input_tokens} apart from {@code input_tokens}.
 *
 * <p>Extended thinking (https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking): with a reasoning
 * setting the request asks for {@code thinking} with a token budget (and no temperature, which thinking does not
 * allow). {@code thinking} blocks (with their signature) and {@code redacted_thinking} blocks are kept with the
 * message and sent back unchanged, first in the assistant turn, as tool use with thinking requires.
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
    private final ModelCapabilities capabilities;

    public AnthropicModel(String id, String model, String baseUrl, String apiKey, ProviderSettings settings) {
        this.id = id;
        this.model = model;
        var base = baseUrl.replaceAll("/+$", "");
        this.endpoint = URI.create(base.endsWith("/v1") ? base + "/messages" : base + "/v1/messages");
        this.apiKey = apiKey;
        this.settings = settings;
        this.client = Streaming.client(settings.connectTimeout());
        this.capabilities = ModelCatalog.of(model);
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public ModelCapabilities capabilities() {
        return capabilities;
    }

    @Override
    public int contextWindow() {
        return capabilities.contextWindow();
    }

    /** Thinking tokens to ask for: 0 without a reasoning setting or for a model that cannot think. */
    int thinkingBudget() {
        return capabilities.reasoning() ? ProviderSettings.Reasoning.budget(settings.reasoning()) : 0;
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
        int budget = thinkingBudget();
        int answer = request.maxOutputTokens() == null ? DEFAULT_MAX_TOKENS : request.maxOutputTokens();
        long maxTokens = (long) budget + answer; // max_tokens covers the thinking too and must exceed its budget
        if (capabilities.maxOutputTokens() > 0) maxTokens = Math.min(maxTokens, capabilities.maxOutputTokens());
        var body = Json.object().put("model", model).put("max_tokens", maxTokens);
        if (budget > 0) {
            body.putObject("thinking").put("type", "enabled").put("budget_tokens", (int) Math.min(budget, maxTokens - 1));
        }
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
        boolean cache = settings.promptCaching();
        if (!system.isEmpty()) {
            if (cache) {
                var block = body.putArray("system").addObject().put("type", "text").put("text", system.toString());
                breakpoint(block);
            } else {
                body.put("system", system.toString());
            }
        }
        if (!request.tools().isEmpty()) {
            var tools = body.putArray("tools");
            for (var t : request.tools()) {
                tools.addObject().put("name", t.name()).put("description", t.description()).set("input_schema", t.parameters());
            }
            if (cache) breakpoint((ObjectNode) tools.get(tools.size() - 1));
        }
        if (cache) markHistory(messages);
        if (request.temperature() != null && budget == 0) body.put("temperature", request.temperature());
        if (!request.stop().isEmpty()) {
            var stop = body.putArray("stop_sequences");
            request.stop().forEach(stop::add);
        }
        body.put("stream", true);
        return body;
    }

    private static void breakpoint(ObjectNode block) {
        block.putObject("cache_control").put("type", "ephemeral");
    }

    /**
     * Breakpoints on the last block of the last two user turns: the newest caches the whole history for the next
     * step, the one before finds the cache this step's predecessor wrote even when the step added many blocks (the
     * API looks back only about 20 blocks from a breakpoint). Thinking blocks cannot carry one; user turns hold none.
     */
    private static void markHistory(ArrayNode messages) {
        int marked = 0;
        for (int i = messages.size() - 1; i >= 0 && marked < 2; i--) {
            var m = messages.get(i);
            if (!"user".equals(m.path("role").asText())) continue;
            var content = (ArrayNode) m.get("content");
            if (content.isEmpty()) continue;
            breakpoint((ObjectNode) content.get(content.size() - 1));
            marked++;
        }
    }

    private static void addBlocks(ArrayNode content, Message m) {
        switch (m.role()) {
            case TOOL -> content.addObject().put("type", "tool_result").put("tool_use_id", m.toolCallId()).put("content", m.text());
            case ASSISTANT -> {
                // Thinking first, exactly as received: the API checks the signatures and the order.
                for (var r : m.reasoning()) {
                    if (Reasoning.THINKING.equals(r.kind()) && r.signature() != null) {
                        content.addObject().put("type", "thinking").put("thinking", r.text()).put("signature", r.signature());
                    } else if (Reasoning.REDACTED.equals(r.kind()) && r.data() != null) {
                        content.addObject().put("type", "redacted_thinking").put("data", r.data());
                    }
                }
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
        final StringBuilder signature = new StringBuilder();
        String data;
    }

    /** Token counts as the stream reports them: input tokens arrive first, in message_start. */
    private static final class Counts {
        long input;
        long output;
        long cacheRead;
        long cacheWrite;

        Usage usage() {
            return new Usage(input + cacheRead + cacheWrite, output, cacheRead, cacheWrite, 0);
        }

        /** message_start has the input counts; message_delta may repeat them (cumulative), so the later value wins. */
        void read(JsonNode u) {
            if (u.has("input_tokens")) input = u.get("input_tokens").asLong();
            if (u.has("cache_read_input_tokens")) cacheRead = u.get("cache_read_input_tokens").asLong();
            if (u.has("cache_creation_input_tokens")) cacheWrite = u.get("cache_creation_input_tokens").asLong();
            if (u.has("output_tokens")) output = u.get("output_tokens").asLong();
        }
    }

    private ChatResponse read(Streaming.Events sse, ModelListener listener) throws InterruptedException {
        var counts = new Counts();
        try {
            return read(sse, listener, counts);
        } catch (ModelException e) {
            // The input was read (and billed) even though the answer broke off: tell the budget.
            var spent = counts.usage();
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
                case "message_start" -> counts.read(data.path("message").path("usage"));
                case "content_block_start" -> {
                    var b = new Block();
                    var cb = data.path("content_block");
                    b.type = cb.path("type").asText();
                    b.id = cb.path("id").asText(null);
                    b.name = cb.path("name").asText(null);
                    if (cb.path("text").isTextual()) b.text.append(cb.get("text").asText());
                    if (cb.path("thinking").isTextual()) b.text.append(cb.get("thinking").asText());
                    if (cb.path("signature").isTextual()) b.signature.append(cb.get("signature").asText());
                    if (cb.path("data").isTextual()) b.data = cb.get("data").asText();
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
                        case "thinking_delta" -> {
                            b.text.append(d.path("thinking").asText());
                            listener.onReasoningDelta(d.path("thinking").asText());
                        }
                        case "signature_delta" -> b.signature.append(d.path("signature").asText());
                        default -> { }
                    }
                }
                case "message_delta" -> {
                    if (data.path("delta").path("stop_reason").isTextual()) stop = data.path("delta").get("stop_reason").asText();
                    counts.read(data.path("usage"));
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
        var reasoning = new ArrayList<Reasoning>();
        for (var b : blocks.values()) {
            switch (b.type == null ? "" : b.type) {
                case "text" -> text.append(b.text);
                case "tool_use" -> calls.add(new ToolCall(b.id, b.name, b.text.isEmpty() ? "{}" : b.text.toString()));
                case "thinking" -> reasoning.add(Reasoning.thinking(b.text.toString(), b.signature.isEmpty() ? null : b.signature.toString()));
                case "redacted_thinking" -> reasoning.add(Reasoning.redacted(b.data));
                default -> { } // block types this client does not know are not part of the answer
            }
        }
        return new ChatResponse(Message.assistant(text.toString(), List.copyOf(calls), reasoning), counts.usage(), stop);
    }
}
