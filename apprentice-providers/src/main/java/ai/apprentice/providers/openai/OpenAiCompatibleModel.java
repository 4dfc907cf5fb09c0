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
        var response = Streaming.post(client, endpoint, headers, body(request).toString(), settings.readTimeout());
        try (var sse = Streaming.events(response.body(), endpoint, settings.readTimeout())) {
            return read(sse, listener);
        }
    }

    ObjectNode body(ChatRequest request) {
        var body = Json.object().put("model", model);
        var messages = body.putArray("messages");
        for (var m : request.messages()) messages.add(message(m));
        if (!request.tools().isEmpty()) {
            ArrayNode tools = body.putArray("tools");
            for (var t : request.tools()) {
                var fn = tools.addObject().put("type", "function").putObject("function");
                fn.put("name", t.name()).put("description", t.description()).set("parameters", t.parameters());
            }
        }
        body.put("stream", true);
        body.putObject("stream_options").put("include_usage", true);
        if (request.temperature() != null) body.put("temperature", request.temperature());
        if (request.maxOutputTokens() != null) body.put("max_tokens", request.maxOutputTokens());
        if (!request.stop().isEmpty()) {
            var stop = body.putArray("stop");
            request.stop().forEach(stop::add);
        }
        return body;
    }

    private static ObjectNode message(Message m) {
        var o = Json.object().put("role", m.role().wireName());
        switch (m.role()) {
            case TOOL -> o.put("tool_call_id", m.toolCallId()).put("content", m.text());
            case ASSISTANT -> {
                if (m.hasToolCalls() && m.text().isEmpty()) o.putNull("content");
                else o.put("content", m.text());
                if (m.hasToolCalls()) {
                    var calls = o.putArray("tool_calls");
                    for (var c : m.toolCalls()) {
                        calls.addObject().put("id", c.id()).put("type", "function").putObject("function")
                                .put("name", c.name()).put("arguments", c.arguments());
                    }
                }
            }
            default -> o.put("content", m.text());
        }
        return o;
    }

    private static final class CallBuilder {
        String id;
        String name = "";
        final StringBuilder arguments = new StringBuilder();
    }

    private ChatResponse read(Streaming.Events sse, ModelListener listener) throws InterruptedException {
        var text = new StringBuilder();
        Map<Integer, CallBuilder> calls = new TreeMap<>();
        Usage usage = null;
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
            if (u.isObject()) usage = new Usage(u.path("prompt_tokens").asLong(), u.path("completion_tokens").asLong());
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
        return new ChatResponse(Message.assistant(text.toString(), List.copyOf(toolCalls)), usage, finish);
    }

    private static String abbreviate(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "…" : s;
    }
}
