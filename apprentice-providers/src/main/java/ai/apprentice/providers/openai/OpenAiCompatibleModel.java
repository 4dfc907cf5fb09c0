package ai.apprentice.providers.openai;

import ai.apprentice.json.Json;
import ai.apprentice.model.ChatRequest;
import ai.apprentice.model.ChatResponse;
import ai.apprentice.model.Message;
import ai.apprentice.model.Model;
import ai.apprentice.model.ModelException;
import ai.apprentice.model.ModelCapabilities;
import ai.apprentice.model.ModelListener;
import ai.apprentice.model.Reasoning;
import ai.apprentice.model.ToolCall;
import ai.apprentice.model.Usage;
import ai.apprentice.providers.ModelCatalog;
import ai.apprentice.providers.ProviderSettings;
import ai.apprentice.providers.Streaming;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The OpenAI Chat Completions API, streamed, as served by OpenAI and by the many compatible servers
 * (DeepSeek, Qwen/DashScope, GLM, Kimi, Ollama, vLLM, llama.cpp). Tool-call arguments are passed on as the
 * raw text the model produced, even when it is not valid JSON: the runtime tells the model what was wrong.
 *
 * <p>Caching: OpenAI and most compatible servers cache prompt prefixes by themselves, so the body is written with
 * everything stable first (tools, then the messages in order) and nothing that changes between steps in front; on
 * api.openai.com a {@code prompt_cache_key} derived from that stable part routes the steps of a run to the same cache.
 * Usage reports cache hits as {@code prompt_tokens_details.cached_tokens} (OpenAI, Qwen, GLM), {@code cached_tokens}
 * (Kimi) or {@code prompt_cache_hit_tokens} (DeepSeek), and reasoning as {@code completion_tokens_details.reasoning_tokens}.
 *
 * <p>Reasoning: OpenAI's reasoning models get {@code reasoning_effort} and {@code max_completion_tokens} and never a
 * {@code temperature} (they refuse it). DeepSeek, Qwen, GLM and Kimi stream their thinking as {@code reasoning_content}
 * deltas; it is kept with the message and, on assistant turns with tool calls, sent back as DeepSeek's thinking mode
 * requires (https://api-docs.deepseek.com/guides/thinking_mode).
 */
public final class OpenAiCompatibleModel implements Model {
    /** OpenAI's own API, or another server speaking its protocol (which may reject OpenAI-only parameters). */
    public enum Flavor { OPENAI, COMPATIBLE }

    private final String id;
    private final String model;
    private final URI endpoint;
    private final String apiKey;
    private final ProviderSettings settings;
    private final HttpClient client;
    private final Flavor flavor;
    private final ModelCapabilities capabilities;

    public OpenAiCompatibleModel(String id, String model, String baseUrl, String apiKey, ProviderSettings settings) {
        this(id, model, baseUrl, apiKey, settings, Flavor.COMPATIBLE);
    }

    public OpenAiCompatibleModel(String id, String model, String baseUrl, String apiKey, ProviderSettings settings, Flavor flavor) {
        this.id = id;
        this.model = model;
        this.endpoint = URI.create(baseUrl.replaceAll("/+$", "") + "/chat/completions");
        this.apiKey = apiKey;
        this.settings = settings;
        this.client = Streaming.client(settings.connectTimeout());
        this.flavor = flavor;
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

    private boolean reasoningModel() {
        return flavor == Flavor.OPENAI && ModelCatalog.openAiReasoning(model);
    }

    public URI endpoint() {
        return endpoint;
    }

    @Override
    public ChatResponse chat(ChatRequest request, ModelListener listener) throws InterruptedException {
        var headers = new LinkedHashMap<>(settings.headers());
        if (apiKey != null && !apiKey.isBlank()) headers.put("Authorization", "Bearer " + apiKey);
        var response = Streaming.post(client, endpoint, headers, body(request), settings.readTimeout());
        try (var sse = Streaming.events(response.body(), endpoint, settings.readTimeout())) {
            return read(sse, listener);
        }
    }

    /** The request body, written straight to bytes: the history grows every step, so no tree is built. */
    byte[] body(ChatRequest request) {
        var out = new java.io.ByteArrayOutputStream(4096 + request.messages().size() * 256);
        try (JsonGenerator g = Json.MAPPER.getFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("model", model);
            // Stable first: tools, then the history in order. Each step's body then starts with the previous one's.
            if (!request.tools().isEmpty()) {
                g.writeArrayFieldStart("tools");
                for (var t : request.tools()) {
                    g.writeStartObject();
                    g.writeStringField("type", "function");
                    g.writeObjectFieldStart("function");
                    g.writeStringField("name", t.name());
                    g.writeStringField("description", t.description());
                    g.writeFieldName("parameters");
                    g.writeTree(t.parameters());
                    g.writeEndObject();
                    g.writeEndObject();
                }
                g.writeEndArray();
            }
            g.writeArrayFieldStart("messages");
            for (var m : request.messages()) message(g, m);
            g.writeEndArray();
            g.writeBooleanField("stream", true);
            g.writeObjectFieldStart("stream_options");
            g.writeBooleanField("include_usage", true);
            g.writeEndObject();
            boolean reasoning = reasoningModel();
            if (request.temperature() != null && !reasoning) g.writeNumberField("temperature", request.temperature());
            if (request.maxOutputTokens() != null) g.writeNumberField(reasoning ? "max_completion_tokens" : "max_tokens", request.maxOutputTokens());
            var effort = ProviderSettings.Reasoning.effort(settings.reasoning());
            if (reasoning && effort != null) g.writeStringField("reasoning_effort", effort);
            if (sendsCacheKey(endpoint, settings)) g.writeStringField("prompt_cache_key", cacheKey(request));
            if (!request.stop().isEmpty()) {
                g.writeArrayFieldStart("stop");
                for (var s : request.stop()) g.writeString(s);
                g.writeEndArray();
            }
            g.writeEndObject();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e); // writing to memory does not fail
        }
        return out.toByteArray();
    }

    /**
     * Only OpenAI's own endpoint gets a {@code prompt_cache_key}: proxies and other servers behind {@code OPENAI_BASE_URL}
     * may refuse a parameter they do not know, and caching works without it (the key only improves routing).
     */
    static boolean sendsCacheKey(URI endpoint, ProviderSettings settings) {
        return settings.promptCaching() && "api.openai.com".equalsIgnoreCase(endpoint.getHost());
    }

    /**
     * The same key for every step of a run and for runs with the same tools and instructions: a hash of the tools and
     * the first system message, the part of the prefix that does not grow. It only steers routing to a cache.
     */
    static String cacheKey(ChatRequest request) {
        try {
            var digest = java.security.MessageDigest.getInstance("SHA-256");
            for (var t : request.tools()) {
                digest.update(t.name().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                digest.update(t.parameters().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            request.messages().stream().filter(m -> m.role() == ai.apprentice.model.Role.SYSTEM).findFirst()
                    .ifPresent(m -> digest.update(m.text().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            return "apprentice-" + java.util.HexFormat.of().formatHex(digest.digest(), 0, 8);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    private static void message(JsonGenerator g, Message m) throws java.io.IOException {
        g.writeStartObject();
        g.writeStringField("role", m.role().wireName());
        switch (m.role()) {
            case TOOL -> {
                g.writeStringField("tool_call_id", m.toolCallId());
                g.writeStringField("content", m.text());
            }
            case ASSISTANT -> {
                if (m.hasToolCalls() && m.text().isEmpty()) g.writeNullField("content");
                else g.writeStringField("content", m.text());
                var thought = m.reasoning().stream().filter(r -> Reasoning.TEXT.equals(r.kind()) && r.text() != null).toList();
                if (m.hasToolCalls() && !thought.isEmpty()) {
                    var sb = new StringBuilder();
                    thought.forEach(r -> sb.append(r.text()));
                    g.writeStringField("reasoning_content", sb.toString());
                }
                if (m.hasToolCalls()) {
                    g.writeArrayFieldStart("tool_calls");
                    for (var c : m.toolCalls()) {
                        g.writeStartObject();
                        g.writeStringField("id", c.id());
                        g.writeStringField("type", "function");
                        g.writeObjectFieldStart("function");
                        g.writeStringField("name", c.name());
                        g.writeStringField("arguments", c.arguments());
                        g.writeEndObject();
                        g.writeEndObject();
                    }
                    g.writeEndArray();
                }
            }
            default -> g.writeStringField("content", m.text());
        }
        g.writeEndObject();
    }

    private static final class CallBuilder {
        String id;
        String name = "";
        final StringBuilder arguments = new StringBuilder();
    }

    private ChatResponse read(Streaming.Events sse, ModelListener listener) throws InterruptedException {
        Usage[] usage = {null};
        try {
            return read(sse, listener, usage);
        } catch (ModelException e) {
            // Usage comes last in this API, so it is rarely known when a stream fails; when it is, it was billed.
            throw usage[0] != null && e.usage().total() == 0 ? e.withUsage(usage[0]) : e;
        }
    }

    private ChatResponse read(Streaming.Events sse, ModelListener listener, Usage[] usage) throws InterruptedException {
        var text = new StringBuilder();
        var reasoning = new StringBuilder();
        Map<Integer, CallBuilder> calls = new TreeMap<>();
        String finish = null;
        boolean done = false;
        Streaming.Event event;
        while ((event = sse.next()) != null) {
            var data = event.data();
            if (data.equals("[DONE]")) {
                done = true;
                break;
            }
            JsonNode chunk;
            try {
                chunk = Json.MAPPER.readTree(data);
            } catch (Exception e) {
                throw new ModelException("Unreadable stream chunk from " + endpoint + ": " + abbreviate(data), true);
            }
            if (chunk.has("error")) {
                var err = chunk.get("error");
                throw new ModelException("Error from " + endpoint + " mid-stream: " + err.path("message").asText(err.toString()), true);
            }
            var u = chunk.path("usage");
            if (u.isObject()) usage[0] = usage(u);
            for (var choice : chunk.path("choices")) {
                var delta = choice.path("delta");
                var thinking = delta.path("reasoning_content").isTextual() ? delta.path("reasoning_content") : delta.path("reasoning");
                if (thinking.isTextual() && !thinking.asText().isEmpty()) {
                    reasoning.append(thinking.asText());
                    listener.onReasoningDelta(thinking.asText());
                }
                var content = delta.path("content");
                if (content.isTextual() && !content.asText().isEmpty()) {
                    text.append(content.asText());
                    listener.onTextDelta(content.asText());
                }
                int position = 0;
                for (var tc : delta.path("tool_calls")) {
                    int index = tc.path("index").asInt(calls.size() > 0 && !tc.has("id") ? calls.size() - 1 : position);
                    position++;
                    var b = calls.computeIfAbsent(index, k -> new CallBuilder());
                    if (tc.path("id").isTextual()) b.id = tc.get("id").asText();
                    var fn = tc.path("function");
                    if (fn.path("name").isTextual()) b.name += fn.get("name").asText();
                    var args = fn.path("arguments");
                    if (args.isTextual()) b.arguments.append(args.asText());
                    else if (args.isObject()) b.arguments.append(args); // some servers send an object
                }
                if (choice.path("finish_reason").isTextual()) finish = choice.get("finish_reason").asText();
            }
        }
        if (!done && finish == null) {
            throw new ModelException("The stream from " + endpoint + " ended before the answer was complete", true);
        }
        var toolCalls = new ArrayList<ToolCall>();
        for (var b : calls.values()) toolCalls.add(new ToolCall(b.id, b.name, b.arguments.toString()));
        var thought = reasoning.isEmpty() ? List.<Reasoning>of() : List.of(Reasoning.text(reasoning.toString()));
        return new ChatResponse(Message.assistant(text.toString(), List.copyOf(toolCalls), thought), usage[0], finish);
    }

    /** Usage as OpenAI reports it, with the cache-hit fields of the compatible servers that name them differently. */
    static Usage usage(JsonNode u) {
        long input = u.path("prompt_tokens").asLong();
        long cached = u.path("prompt_tokens_details").path("cached_tokens").asLong(
                u.path("cached_tokens").asLong(u.path("prompt_cache_hit_tokens").asLong()));
        long reasoning = u.path("completion_tokens_details").path("reasoning_tokens").asLong();
        long output = u.path("completion_tokens").asLong();
        return new Usage(input, output, Math.min(cached, input), 0, Math.min(reasoning, output));
    }

    private static String abbreviate(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "…" : s;
    }
}
