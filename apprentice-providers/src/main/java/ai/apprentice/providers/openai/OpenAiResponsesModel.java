package ai.apprentice.providers.openai;

import ai.apprentice.json.Json;
import ai.apprentice.model.ChatRequest;
import ai.apprentice.model.ChatResponse;
import ai.apprentice.model.Message;
import ai.apprentice.model.Model;
import ai.apprentice.model.ModelCapabilities;
import ai.apprentice.model.ModelException;
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

/**
 * The OpenAI Responses API (https://platform.openai.com/docs/api-reference/responses), streamed, which OpenAI
 * recommends for its reasoning models. The history is sent in full each step with {@code store: false}, so nothing
 * is kept at OpenAI; reasoning items come back with {@code encrypted_content} (asked for with {@code include}) and
 * are sent back as received, each before the item that followed it, so that the model keeps its reasoning across
 * tool calls. Tool calls are {@code function_call} items, their results {@code function_call_output} items.
 */
public final class OpenAiResponsesModel implements Model {
    private final String id;
    private final String model;
    private final URI endpoint;
    private final String apiKey;
    private final ProviderSettings settings;
    private final HttpClient client;
    private final ModelCapabilities capabilities;

    public OpenAiResponsesModel(String id, String model, String baseUrl, String apiKey, ProviderSettings settings) {
        this.id = id;
        this.model = model;
        this.endpoint = URI.create(baseUrl.replaceAll("/+$", "") + "/responses");
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
        boolean reasoning = ModelCatalog.openAiReasoning(model);
        var body = Json.object().put("model", model);
        // Stable first, as for Chat Completions: tools, then the history in order.
        if (!request.tools().isEmpty()) {
            var tools = body.putArray("tools");
            for (var t : request.tools()) {
                tools.addObject().put("type", "function").put("name", t.name()).put("description", t.description())
                        .set("parameters", t.parameters());
            }
        }
        var input = body.putArray("input");
        for (var m : request.messages()) add(input, m);
        body.put("stream", true).put("store", false);
        if (reasoning) {
            body.putArray("include").add("reasoning.encrypted_content");
            var effort = ProviderSettings.Reasoning.effort(settings.reasoning());
            var r = body.putObject("reasoning").put("summary", "auto");
            if (effort != null) r.put("effort", effort);
        } else if (request.temperature() != null) {
            body.put("temperature", request.temperature()); // reasoning models refuse a temperature
        }
        if (request.maxOutputTokens() != null) body.put("max_output_tokens", request.maxOutputTokens());
        if (OpenAiCompatibleModel.sendsCacheKey(endpoint, settings)) body.put("prompt_cache_key", OpenAiCompatibleModel.cacheKey(request));
        return body;
    }

    private static void add(ArrayNode input, Message m) {
        switch (m.role()) {
            case SYSTEM -> input.addObject().put("role", "developer").put("content", m.text());
            case USER -> input.addObject().put("role", "user").put("content", m.text());
            case TOOL -> input.addObject().put("type", "function_call_output").put("call_id", m.toolCallId()).put("output", m.text());
            case ASSISTANT -> {
                for (var r : m.reasoning()) {
                    if (!Reasoning.OPENAI_ITEM.equals(r.kind()) || r.data() == null) continue;
                    try {
                        input.add(Json.MAPPER.readTree(r.data())); // exactly as received
                    } catch (Exception e) {
                        // a damaged item would only be refused: the step goes on without it
                    }
                }
                if (!m.text().isEmpty()) {
                    var msg = input.addObject().put("type", "message").put("role", "assistant");
                    msg.putArray("content").addObject().put("type", "output_text").put("text", m.text());
                }
                for (var c : m.toolCalls()) {
                    input.addObject().put("type", "function_call").put("call_id", c.id()).put("name", c.name()).put("arguments", c.arguments());
                }
            }
        }
    }

    private ChatResponse read(Streaming.Events sse, ModelListener listener) throws InterruptedException {
        var text = new StringBuilder();
        var calls = new ArrayList<ToolCall>();
        var reasoning = new ArrayList<Reasoning>();
        Streaming.Event event;
        while ((event = sse.next()) != null) {
            if (event.data().isEmpty() || event.data().equals("[DONE]")) continue;
            JsonNode data;
            try {
                data = Json.MAPPER.readTree(event.data());
            } catch (Exception e) {
                throw new ModelException("Unreadable stream event from " + endpoint + ": " + event.data(), true);
            }
            String type = data.path("type").asText(event.name() == null ? "" : event.name());
            switch (type) {
                case "response.output_text.delta" -> listener.onTextDelta(data.path("delta").asText());
                case "response.reasoning_summary_text.delta" -> listener.onReasoningDelta(data.path("delta").asText());
                case "response.output_item.done" -> {
                    var item = data.path("item");
                    switch (item.path("type").asText()) {
                        case "message" -> {
                            for (var part : item.path("content")) if ("output_text".equals(part.path("type").asText())) text.append(part.path("text").asText());
                        }
                        case "function_call" -> calls.add(new ToolCall(item.path("call_id").asText(null), item.path("name").asText(),
                                item.path("arguments").asText("{}")));
                        case "reasoning" -> {
                            var summary = new StringBuilder();
                            for (var s : item.path("summary")) summary.append(s.path("text").asText());
                            var kept = ((ObjectNode) item.deepCopy());
                            kept.remove("status"); // output-only: the API does not take it back as input
                            reasoning.add(new Reasoning(Reasoning.OPENAI_ITEM, summary.toString(), null, kept.toString()));
                        }
                        default -> { } // hosted-tool items this client does not use
                    }
                }
                case "response.completed", "response.incomplete" -> {
                    var r = data.path("response");
                    var u = r.path("usage");
                    long in = u.path("input_tokens").asLong();
                    long out = u.path("output_tokens").asLong();
                    var usage = new Usage(in, out, Math.min(in, u.path("input_tokens_details").path("cached_tokens").asLong()), 0,
                            Math.min(out, u.path("output_tokens_details").path("reasoning_tokens").asLong()));
                    String finish = type.equals("response.incomplete") ? r.path("incomplete_details").path("reason").asText("incomplete")
                            : calls.isEmpty() ? "stop" : "tool_calls";
                    return new ChatResponse(Message.assistant(text.toString(), List.copyOf(calls), reasoning), usage, finish);
                }
                case "response.failed", "error" -> {
                    var err = type.equals("error") ? data : data.path("response").path("error");
                    String code = err.path("code").asText("");
                    throw new ModelException("Error from " + endpoint + " mid-stream: " + (code.isEmpty() ? "" : code + ": ")
                            + err.path("message").asText(err.toString()), code.matches("server_error|rate_limit_exceeded|overloaded.*|"));
                }
                default -> { } // created, in_progress, added, argument deltas: the done items carry it all
            }
        }
        throw new ModelException("The stream from " + endpoint + " ended before the answer was complete", true);
    }
}
