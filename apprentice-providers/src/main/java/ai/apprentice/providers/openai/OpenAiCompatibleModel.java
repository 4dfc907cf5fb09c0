package ai.apprentice.providers.openai;

import ai.apprentice.json.Json;
import ai.apprentice.model.ChatRequest;
import ai.apprentice.model.ChatResponse;
import ai.apprentice.model.Message;
import ai.apprentice.model.Model;
import ai.apprentice.model.ModelException;
import ai.apprentice.model.ModelListener;
import ai.apprentice.model.ToolCall;
import ai.apprentice.model.Usage;
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
 */
public final class OpenAiCompatibleModel implements Model {
    private final String id;
    private final String model;
    private final URI endpoint;
    private final String apiKey;
    private final ProviderSettings settings;
    private final HttpClient client;

    public OpenAiCompatibleModel(String id, String model, String baseUrl, String apiKey, ProviderSettings settings) {
        this.id = id;
        this.model = model;
        this.endpoint = URI.create(baseUrl.replaceAll("/+$", "") + "/chat/completions");
        this.apiKey = apiKey;
        this.settings = settings;
        this.client = Streaming.client(settings.connectTimeout());
    }

    @Override
    public String id() {
        return id;
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
            g.writeArrayFieldStart("messages");
            for (var m : request.messages()) message(g, m);
            g.writeEndArray();
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
            g.writeBooleanField("stream", true);
            g.writeObjectFieldStart("stream_options");
            g.writeBooleanField("include_usage", true);
            g.writeEndObject();
            if (request.temperature() != null) g.writeNumberField("temperature", request.temperature());
            if (request.maxOutputTokens() != null) g.writeNumberField("max_tokens", request.maxOutputTokens());
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
            if (u.isObject()) usage[0] = new Usage(u.path("prompt_tokens").asLong(), u.path("completion_tokens").asLong());
            for (var choice : chunk.path("choices")) {
                var delta = choice.path("delta");
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
        return new ChatResponse(Message.assistant(text.toString(), List.copyOf(toolCalls)), usage[0], finish);
    }

    private static String abbreviate(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "…" : s;
    }
}
