package ai.apprentice.server;

import ai.apprentice.json.Json;
import ai.apprentice.model.Message;
import ai.apprentice.model.Role;
import ai.apprentice.runtime.Event;
import ai.apprentice.runtime.RunIds;
import ai.apprentice.runtime.RunSnapshot;
import ai.apprentice.runtime.RunStatus;
import ai.apprentice.store.RunStore;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * OpenAI-compatible endpoints under {@code /v1}, so that any OpenAI SDK drives an apprentice agent:
 * {@code POST /v1/responses} (with {@code previous_response_id} and streaming), {@code GET /v1/responses/{id}},
 * {@code POST /v1/chat/completions} (with streaming), and {@code GET /v1/models}.
 *
 * <p><b>Every request is a run</b> of the standard agent accepted through {@link Runs}: the same assembly, run store,
 * approvals, budgets and queue as {@code /api/runs}, in the server's root as workspace. The response id is
 * {@code resp_<run id>} and the completion id {@code chatcmpl-<run id>}; the run is listed in {@code /api/runs}.
 * {@code model} names an apprentice agent profile: {@value #DEFAULT_PROFILE} (the default when absent) is the
 * server's agent, with the server's model and settings; any other name is a 404 {@code model_not_found}.
 *
 * <p><b>How a request becomes a run.</b> The last user message is the run's task. Earlier user and assistant
 * messages become the run's conversation history (as a session's earlier messages do). System and developer
 * messages, and the Responses API's {@code instructions}, are the caller's instructions: they do not replace the
 * agent's own (its system message), they go at the head of the task, as
 * {@code [Instructions]\n...\n\n[Task]\n...}. With {@code previous_response_id}, the history is everything that
 * response's run had (its system message, the task, tool calls and results, the answer), as a session's next
 * message continues; the new input's items follow it.
 *
 * <p><b>What comes back.</b> Tools run on the server and are not shown as function calls: the client sees only
 * the agent's text. Each step of the run that has text is one {@code message} output item (the text an agent says
 * before it uses a tool, then its answer, which is the last); a chat completion's content is those texts joined by
 * a blank line, streamed or not. Usage is the run's totals (its subagents included). A run that succeeded is
 * {@code completed} ({@code finish_reason: stop}); one stopped by a budget (steps, tokens, cost, time) is
 * {@code incomplete} with reason {@code max_output_tokens} ({@code finish_reason: length}); any other end is
 * {@code failed} (a chat completion answers 500 {@code server_error}, or an {@code error} event when streaming).
 *
 * <p><b>Streaming</b> follows the run as {@code /api/runs/{id}/events} does (stored events from the run store, text
 * deltas live from {@link RunEvents}), but subscribes before the run is queued, so that no delta is missed, and
 * renders them as the Responses API's typed events (each with a {@code sequence_number} counting from 0) or as
 * {@code chat.completion.chunk}s ending with {@code data: [DONE]}. A comment line every heartbeat keeps idle streams
 * open (a run waiting for an approval at {@code /api/approvals} is idle). A client that goes away does not stop the
 * run. When a model call is retried after part of its text was streamed, the deltas may repeat text; the
 * {@code .done} events carry the step's text as stored.
 *
 * <p><b>Strict input:</b> malformed JSON, a missing input, an unknown parameter, or one this server cannot honour
 * (client-side {@code tools}, {@code n > 1}, sampling settings, structured output, ...) is a 400 naming the
 * parameter. Errors here have OpenAI's shape {@code {"error": {"message", "type", "param", "code"}}}.
 */
final class OpenAiEndpoints {
    static final String DEFAULT_PROFILE = "apprentice";
    private static final Set<String> BUDGET_STOPS = Set.of("max_steps", "max_tokens", "max_cost", "timeout");
    private static final int PAGE = 500;

    /** Parameters both APIs take and this server ignores: they change nothing about what the agent does. */
    private static final Set<String> IGNORED = Set.of("user", "metadata", "store", "parallel_tool_calls", "stream_options", "service_tier",
            "safety_identifier", "prompt_cache_key");
    private static final Set<String> RESPONSES_PARAMS = union(IGNORED, Set.of("model", "input", "instructions", "previous_response_id",
            "stream", "tools", "tool_choice", "text", "truncation", "include", "background"));
    private static final Set<String> CHAT_PARAMS = union(IGNORED, Set.of("model", "messages", "stream", "n", "tools", "tool_choice",
            "response_format"));
    /** Parameters known from OpenAI's APIs that this server refuses, and why. */
    private static final Map<String, String> REFUSED = refused();

    private final Runs runs;
    private final RunStore store;
    private final RunEvents events;
    private final Duration heartbeat;

    OpenAiEndpoints(Runs runs, Duration heartbeat) {
        this.runs = runs;
        this.store = runs.harness().store();
        this.events = runs.events();
        this.heartbeat = heartbeat;
    }

    void routes(RoutesConfig r) {
        r.get("/v1/models", ctx -> handle(ctx, () -> models(ctx)));
        r.get("/v1/models/{id}", ctx -> handle(ctx, () -> model(ctx)));
        r.post("/v1/responses", ctx -> handle(ctx, () -> createResponse(ctx)));
        r.get("/v1/responses/{id}", ctx -> handle(ctx, () -> getResponse(ctx)));
        r.post("/v1/chat/completions", ctx -> handle(ctx, () -> chatCompletion(ctx)));
    }

    // ---- errors ----

    /** A request refused with OpenAI's error shape. */
    static final class OpenAiError extends RuntimeException {
        final int status;
        final String type;
        final String code;
        final String param;

        OpenAiError(int status, String type, String code, String param, String message) {
            super(message);
            this.status = status;
            this.type = type;
            this.code = code;
            this.param = param;
        }

        static OpenAiError invalid(String param, String message) {
            return new OpenAiError(400, "invalid_request_error", param == null ? null : "invalid_value", param, message);
        }

        static OpenAiError unknownModel(String name) {
            return new OpenAiError(404, "invalid_request_error", "model_not_found", "model", "The model '" + name
                    + "' does not exist: here a model names an apprentice agent profile, and this server has: " + DEFAULT_PROFILE);
        }
    }

    interface Handler {
        void run() throws Exception;
    }

    private static void handle(Context ctx, Handler h) throws Exception {
        try {
            h.run();
        } catch (OpenAiError e) {
            render(ctx, e.status, e.type, e.code, e.param, e.getMessage());
        } catch (ApiException e) {
            // what Runs refuses (a bad setting, a full queue): a 422 is OpenAI's 400
            error(ctx, e.status == 422 ? 400 : e.status, e.code, e.getMessage());
        }
    }

    /** An error in OpenAI's shape, from the server's status and code (the guard's 401s and 403s, 404s, 500s under /v1). */
    static void error(Context ctx, int status, String code, String message) {
        String type = switch (status) {
            case 401 -> "authentication_error";
            case 403 -> "permission_error";
            case 429 -> "rate_limit_error";
            default -> status >= 500 ? "server_error" : "invalid_request_error";
        };
        render(ctx, status, type, status == 401 ? "invalid_api_key" : code, null, message);
    }

    private static void render(Context ctx, int status, String type, String code, String param, String message) {
        ctx.status(status).contentType("application/json").result(Json.write(errorJson(type, code, param, message)));
    }

    private static ObjectNode errorJson(String type, String code, String param, String message) {
        var o = Json.object();
        var e = o.putObject("error");
        e.put("message", message).put("type", type);
        if (param == null) e.putNull("param");
        else e.put("param", param);
        if (code == null) e.putNull("code");
        else e.put("code", code);
        return o;
    }

    // ---- models ----

    private void models(Context ctx) {
        var o = Json.object().put("object", "list");
        o.putArray("data").add(modelJson(DEFAULT_PROFILE));
        json(ctx, o);
    }

    private void model(Context ctx) {
        var id = ctx.pathParam("id");
        if (!DEFAULT_PROFILE.equals(id)) throw OpenAiError.unknownModel(id);
        json(ctx, modelJson(id));
    }

    private static ObjectNode modelJson(String id) {
        return Json.object().put("id", id).put("object", "model").put("created", 0).put("owned_by", "apprentice");
    }

    /** The config flags of the profile a request's {@code model} names. */
    private Map<String, Object> profile(ObjectNode body) {
        var name = optText(body, "model");
        if (name == null || name.equals(DEFAULT_PROFILE)) return runs.flags(null, null);
        throw OpenAiError.unknownModel(name);
    }

    private static String profileName(ObjectNode body) {
        var name = optText(body, "model");
        return name == null ? DEFAULT_PROFILE : name;
    }

    // ---- the Responses API ----

    /** A request turned into a run: its task and the history before it. */
    record Conversation(String task, List<Message> history) {}

    /** What a response object says besides the run: echoed from the request. */
    record Echo(String model, long createdAt, String instructions, String previousResponseId, JsonNode metadata) {}

    private void createResponse(Context ctx) throws Exception {
        var body = body(ctx);
        checkParams(body, RESPONSES_PARAMS);
        checkNoClientTools(body);
        checkChoice(body, "truncation", Set.of("auto", "disabled"));
        checkFalse(body, "background", "background responses are not supported: leave it out and stream, or use /api/runs");
        checkTrue(body, "store", "runs are always recorded here; store: false cannot be honoured");
        var include = body.get("include");
        if (include != null && !include.isNull() && (!include.isArray() || !include.isEmpty())) {
            throw OpenAiError.invalid("include", "include is not supported: there are no extra output fields to include");
        }
        var text = body.get("text");
        if (text != null && !text.isNull()) {
            var format = text.path("format").path("type");
            var extra = new ArrayList<String>();
            text.fieldNames().forEachRemaining(extra::add);
            extra.remove("format");
            if (!extra.isEmpty() || (!format.isMissingNode() && !"text".equals(format.asText()))) {
                throw OpenAiError.invalid("text", "Only text output is supported: text.format.type must be 'text' (no structured output, no verbosity)");
            }
        }
        boolean stream = bool(body, "stream");
        var instructions = optText(body, "instructions");
        var previous = optText(body, "previous_response_id");
        var metadata = body.get("metadata");
        if (metadata != null && !metadata.isNull() && !metadata.isObject()) throw OpenAiError.invalid("metadata", "metadata must be an object of strings");
        var flags = profile(body);

        var history = new ArrayList<Message>();
        if (previous != null) history.addAll(previousHistory(previous));
        var given = responsesInput(body.get("input"), instructions);
        history.addAll(given.history());
        var echo = new Echo(profileName(body), Instant.now().getEpochSecond(), instructions, previous,
                metadata == null || metadata.isNull() ? Json.object() : metadata);
        String runId = RunIds.next();
        try (var sub = events.subscribe(runId)) {
            sub.goLive();
            runs.accept(runId, given.task(), runs.workspace(null), flags, null, history);
            if (stream) streamResponse(ctx, sub, runId, echo);
            else json(ctx, responseJson(runId, echo, follow(sub, runId, null)));
        }
    }

    /** The history a previous response's run left: {@code resp_<run id>}. */
    private List<Message> previousHistory(String responseId) {
        String runId = responseId.startsWith("resp_") ? responseId.substring(5) : null;
        // only a run this server accepted for its own agent: not an evaluation's trial, a subagent or a CLI run, whose
        // system message is another agent's (the continued run would take it instead of its own)
        var run = runId == null ? java.util.Optional.<ai.apprentice.store.RunRecord>empty()
                : runs.record(runId).filter(r -> r.id().equals(runId) && r.parentId() == null && runs.acceptedRow(runId).isPresent());
        if (run.isEmpty()) {
            throw new OpenAiError(400, "invalid_request_error", "previous_response_not_found", "previous_response_id",
                    "Previous response with id '" + responseId + "' not found.");
        }
        runs.awaitLetGo(runId); // answered the moment its run ended: the executor may not have let go of it yet
        if (runs.busy(runId) || runs.record(runId).map(r -> r.running()).orElse(true)) {
            throw new OpenAiError(400, "invalid_request_error", "previous_response_in_progress", "previous_response_id",
                    "Previous response " + responseId + " is still in progress; continue it once it has finished.");
        }
        // the conversation without its system message: the agent puts its own instructions first
        return RunSnapshot.fromEvents(store.events(runId)).history().stream()
                .filter(m -> m.role() != ai.apprentice.model.Role.SYSTEM).toList();
    }

    /** {@code input}: a string (the task) or a list of message items, of which the last is the user's. */
    private static Conversation responsesInput(JsonNode input, String instructions) {
        if (input == null || input.isNull()) throw OpenAiError.invalid("input", "Missing required parameter: 'input'.");
        var system = new ArrayList<String>();
        if (instructions != null && !instructions.isBlank()) system.add(instructions);
        if (input.isTextual()) {
            if (input.textValue().isBlank()) throw OpenAiError.invalid("input", "input must not be empty");
            return new Conversation(task(system, input.textValue()), List.of());
        }
        if (!input.isArray() || input.isEmpty()) throw OpenAiError.invalid("input", "input must be a string or a non-empty array of messages");
        var turns = new ArrayList<Message>();
        for (int i = 0; i < input.size(); i++) {
            var item = input.get(i);
            var param = "input[" + i + "]";
            if (!item.isObject()) throw OpenAiError.invalid(param, param + " must be a message object");
            var type = item.path("type").asText("message");
            if (!type.equals("message")) {
                throw OpenAiError.invalid(param + ".type", "Input items of type '" + type + "' are not supported: tools run on the server,"
                        + " so only messages (role user, assistant, system or developer) can be given");
            }
            var content = content(item.get("content"), param + ".content", Set.of("input_text", "output_text", "text"));
            addTurn(item.path("role").asText(""), content, param, system, turns);
        }
        return conversation(system, turns, "input");
    }

    private void getResponse(Context ctx) {
        var id = ctx.pathParam("id");
        String runId = id.startsWith("resp_") ? id.substring(5) : "";
        var run = runId.isEmpty() ? java.util.Optional.<ai.apprentice.store.RunRecord>empty() : runs.record(runId).filter(r -> r.id().equals(runId));
        if (run.isEmpty()) {
            throw new OpenAiError(404, "invalid_request_error", "not_found", null, "No response with id '" + id + "' found.");
        }
        var echo = new Echo(DEFAULT_PROFILE, run.get().startedAt().getEpochSecond(), null, null, Json.object());
        var evs = store.events(runId);
        boolean finished = !runs.busy(runId) && !run.get().running();
        json(ctx, finished ? responseJson(runId, echo, new Followed(evs, null)) : responseObject(runId, echo, "in_progress", items(runId, evs), null));
    }

    /** The response object of a finished run. */
    private ObjectNode responseJson(String runId, Echo echo, Followed run) {
        var outcome = outcome(run);
        var o = responseObject(runId, echo, outcome.status, items(runId, run.events), usage(run.events));
        if (outcome.status.equals("failed")) o.set("error", Json.object().put("code", "server_error").put("message", outcome.message));
        if (outcome.status.equals("incomplete")) o.set("incomplete_details", Json.object().put("reason", "max_output_tokens"));
        return o;
    }

    private static ObjectNode responseObject(String runId, Echo echo, String status, List<Item> items, long[] usage) {
        var o = Json.object().put("id", "resp_" + runId).put("object", "response").put("created_at", echo.createdAt()).put("status", status);
        o.putNull("error");
        o.putNull("incomplete_details");
        if (echo.instructions() == null) o.putNull("instructions");
        else o.put("instructions", echo.instructions());
        o.putNull("max_output_tokens");
        o.put("model", echo.model());
        var output = o.putArray("output");
        for (var item : items) output.add(messageItem(item, "completed", true));
        o.put("parallel_tool_calls", false);
        if (echo.previousResponseId() == null) o.putNull("previous_response_id");
        else o.put("previous_response_id", echo.previousResponseId());
        o.putNull("reasoning");
        o.put("store", true);
        o.putNull("temperature");
        o.putObject("text").putObject("format").put("type", "text");
        o.put("tool_choice", "auto");
        o.putArray("tools");
        o.putNull("top_p");
        o.put("truncation", "disabled");
        if (usage == null) {
            o.putNull("usage");
        } else {
            var u = o.putObject("usage");
            u.put("input_tokens", usage[0]);
            u.putObject("input_tokens_details").put("cached_tokens", 0);
            u.put("output_tokens", usage[1]);
            u.putObject("output_tokens_details").put("reasoning_tokens", 0);
            u.put("total_tokens", usage[0] + usage[1]);
        }
        o.putNull("user");
        o.set("metadata", echo.metadata());
        return o;
    }

    private static ObjectNode messageItem(Item item, String status, boolean withText) {
        var m = Json.object().put("id", item.id()).put("type", "message").put("status", status).put("role", "assistant");
        var content = m.putArray("content");
        if (withText) content.add(textPart(item.text()));
        return m;
    }

    private static ObjectNode textPart(String text) {
        var p = Json.object().put("type", "output_text").put("text", text);
        p.putArray("annotations");
        return p;
    }

    /** The Responses API's typed events, numbered from 0. */
    private void streamResponse(Context ctx, RunEvents.Subscription sub, String runId, Echo echo) throws InterruptedException {
        var out = sse(ctx);
        long[] seq = {0};
        var items = new ArrayList<Item>();
        Sse send = (type, data) -> {
            var o = Json.object().put("type", type).put("sequence_number", seq[0]++);
            o.setAll(data);
            out.write("event: " + type + "\ndata: " + Json.write(o) + "\n\n");
        };
        try {
            var initial = responseObject(runId, echo, "in_progress", List.of(), null);
            send.event("response.created", wrap("response", initial));
            send.event("response.in_progress", wrap("response", initial));
            var steps = new StepText(new StepText.Out() {
                Item open;

                @Override
                public void open(int step) throws IOException {
                    open = new Item("msg_" + runId + "_" + step, "");
                    send.event("response.output_item.added", Json.object().put("output_index", items.size()).set("item", messageItem(open, "in_progress", false)));
                    send.event("response.content_part.added", at(open, items.size()).set("part", textPart("")));
                }

                @Override
                public void delta(int step, String text) throws IOException {
                    var o = at(open, items.size()).put("delta", text);
                    o.putArray("logprobs");
                    send.event("response.output_text.delta", o);
                }

                @Override
                public void close(int step, String text) throws IOException {
                    var done = new Item(open.id(), text);
                    var o = at(done, items.size()).put("text", text);
                    o.putArray("logprobs");
                    send.event("response.output_text.done", o);
                    send.event("response.content_part.done", at(done, items.size()).set("part", textPart(text)));
                    send.event("response.output_item.done", Json.object().put("output_index", items.size()).set("item", messageItem(done, "completed", true)));
                    items.add(done);
                }
            });
            var run = followSteps(sub, runId, steps, out);
            steps.finish();
            var finalObject = responseJson(runId, echo, run);
            var status = finalObject.path("status").asText();
            send.event(switch (status) {
                case "completed" -> "response.completed";
                case "incomplete" -> "response.incomplete";
                default -> "response.failed";
            }, wrap("response", finalObject));
        } catch (IOException e) {
            // the client went away; the run goes on, recorded like any other
        }
    }

    private static ObjectNode at(Item item, int outputIndex) {
        return Json.object().put("item_id", item.id()).put("output_index", outputIndex).put("content_index", 0);
    }

    private static ObjectNode wrap(String field, JsonNode value) {
        var o = Json.object();
        o.set(field, value);
        return o;
    }

    // ---- chat completions ----

    private void chatCompletion(Context ctx) throws Exception {
        var body = body(ctx);
        checkParams(body, CHAT_PARAMS);
        checkNoClientTools(body);
        var n = body.get("n");
        if (n != null && !n.isNull() && !(n.isIntegralNumber() && n.asInt() == 1)) {
            throw OpenAiError.invalid("n", "n must be 1: one request is one run of the agent");
        }
        var format = body.get("response_format");
        if (format != null && !format.isNull() && !"text".equals(format.path("type").asText())) {
            throw OpenAiError.invalid("response_format", "Only text output is supported: response_format.type must be 'text'");
        }
        boolean stream = bool(body, "stream");
        boolean includeUsage = false;
        var options = body.get("stream_options");
        if (options != null && !options.isNull()) {
            if (!stream) throw OpenAiError.invalid("stream_options", "stream_options is only allowed when stream is true");
            includeUsage = options.path("include_usage").asBoolean(false);
        }
        var flags = profile(body);
        var given = chatMessages(body.get("messages"));
        var model = profileName(body);
        long created = Instant.now().getEpochSecond();
        String runId = RunIds.next();
        try (var sub = events.subscribe(runId)) {
            sub.goLive();
            runs.accept(runId, given.task(), runs.workspace(null), flags, null, given.history());
            if (stream) {
                streamChat(ctx, sub, runId, model, created, includeUsage);
                return;
            }
            var run = follow(sub, runId, null);
            var outcome = outcome(run);
            if (outcome.status.equals("failed")) {
                render(ctx, 500, "server_error", "server_error", null, "The run chatcmpl-" + runId + " failed: " + outcome.message);
                return;
            }
            var o = chatHead(runId, "chat.completion", model, created);
            var choice = o.putArray("choices").addObject().put("index", 0);
            var message = choice.putObject("message").put("role", "assistant").put("content", chatText(items(runId, run.events)));
            message.putNull("refusal");
            message.putArray("annotations");
            choice.putNull("logprobs");
            choice.put("finish_reason", outcome.status.equals("incomplete") ? "length" : "stop");
            o.set("usage", chatUsage(usage(run.events)));
            json(ctx, o);
        }
    }

    /** {@code messages}: system and developer messages are instructions, the last user message the task, the rest history. */
    private static Conversation chatMessages(JsonNode messages) {
        if (messages == null || messages.isNull()) throw OpenAiError.invalid("messages", "Missing required parameter: 'messages'.");
        if (!messages.isArray() || messages.isEmpty()) throw OpenAiError.invalid("messages", "messages must be a non-empty array");
        var system = new ArrayList<String>();
        var turns = new ArrayList<Message>();
        for (int i = 0; i < messages.size(); i++) {
            var m = messages.get(i);
            var param = "messages[" + i + "]";
            if (!m.isObject()) throw OpenAiError.invalid(param, param + " must be a message object");
            var tools = m.get("tool_calls");
            if ((tools != null && !tools.isNull() && !tools.isEmpty()) || m.has("function_call")) {
                throw OpenAiError.invalid(param + ".tool_calls", "Tool calls from the client are not supported: the agent's tools run on the server");
            }
            addTurn(m.path("role").asText(""), content(m.get("content"), param + ".content", Set.of("text")), param, system, turns);
        }
        return conversation(system, turns, "messages");
    }

    private static ObjectNode chatHead(String runId, String object, String model, long created) {
        var o = Json.object().put("id", "chatcmpl-" + runId).put("object", object).put("created", created).put("model", model);
        o.putNull("system_fingerprint");
        return o;
    }

    private static ObjectNode chatUsage(long[] usage) {
        return Json.object().put("prompt_tokens", usage[0]).put("completion_tokens", usage[1]).put("total_tokens", usage[0] + usage[1]);
    }

    private static String chatText(List<Item> items) {
        return String.join("\n\n", items.stream().map(Item::text).toList());
    }

    private void streamChat(Context ctx, RunEvents.Subscription sub, String runId, String model, long created, boolean includeUsage)
            throws InterruptedException {
        var out = sse(ctx);
        try {
            java.util.function.BiFunction<ObjectNode, String, ObjectNode> chunk = (delta, finish) -> {
                var o = chatHead(runId, "chat.completion.chunk", model, created);
                var choice = o.putArray("choices").addObject().put("index", 0);
                choice.set("delta", delta);
                choice.putNull("logprobs");
                if (finish == null) choice.putNull("finish_reason");
                else choice.put("finish_reason", finish);
                if (includeUsage) o.putNull("usage");
                return o;
            };
            out.write("data: " + Json.write(chunk.apply(Json.object().put("role", "assistant").put("content", ""), null)) + "\n\n");
            boolean[] any = {false};
            var steps = new StepText(new StepText.Out() {
                boolean first;

                @Override
                public void open(int step) {
                    first = true;
                }

                @Override
                public void delta(int step, String text) throws IOException {
                    // the steps' texts are joined by a blank line, as in the content of a completion not streamed
                    var piece = first && any[0] ? "\n\n" + text : text;
                    first = false;
                    any[0] = true;
                    out.write("data: " + Json.write(chunk.apply(Json.object().put("content", piece), null)) + "\n\n");
                }

                @Override
                public void close(int step, String text) {}
            });
            var run = followSteps(sub, runId, steps, out);
            steps.finish();
            var outcome = outcome(run);
            if (outcome.status.equals("failed")) {
                out.write("data: " + Json.write(errorJson("server_error", "server_error", null, "The run chatcmpl-" + runId + " failed: " + outcome.message)) + "\n\n");
            } else {
                out.write("data: " + Json.write(chunk.apply(Json.object(), outcome.status.equals("incomplete") ? "length" : "stop")) + "\n\n");
                if (includeUsage) {
                    var o = chatHead(runId, "chat.completion.chunk", model, created);
                    o.putArray("choices");
                    o.set("usage", chatUsage(usage(run.events)));
                    out.write("data: " + Json.write(o) + "\n\n");
                }
            }
            out.write("data: [DONE]\n\n");
        } catch (IOException e) {
            // the client went away; the run goes on, recorded like any other
        }
    }

    // ---- requests into runs ----

    private static void addTurn(String role, String content, String param, List<String> system, List<Message> turns) {
        switch (role) {
            case "system", "developer" -> system.add(content);
            case "user" -> turns.add(Message.user(content));
            case "assistant" -> turns.add(Message.assistant(content));
            case "" -> throw OpenAiError.invalid(param + ".role", param + " needs a role: user, assistant, system or developer");
            default -> throw OpenAiError.invalid(param + ".role", "Messages with role '" + role + "' are not supported: tools run on the server,"
                    + " so the roles are user, assistant, system and developer");
        }
    }

    private static Conversation conversation(List<String> system, List<Message> turns, String param) {
        if (turns.isEmpty() || turns.get(turns.size() - 1).role() != Role.USER) {
            throw OpenAiError.invalid(param, "The last message of " + param + " must be the user's: it is the task the agent works on");
        }
        var last = turns.remove(turns.size() - 1);
        if (last.text().isBlank()) throw OpenAiError.invalid(param, "The last user message of " + param + " is empty");
        return new Conversation(task(system, last.text()), List.copyOf(turns));
    }

    /** The task: the caller's instructions (system messages), if any, ahead of the user's message. */
    static String task(List<String> instructions, String user) {
        var given = instructions.stream().filter(s -> !s.isBlank()).toList();
        if (given.isEmpty()) return user;
        return "[Instructions]\n" + String.join("\n\n", given) + "\n\n[Task]\n" + user;
    }

    /** A message's content: a string, or text parts of the given types. */
    private static String content(JsonNode content, String param, Set<String> types) {
        if (content == null || content.isNull()) throw OpenAiError.invalid(param, param + " is required");
        if (content.isTextual()) return content.textValue();
        if (!content.isArray()) throw OpenAiError.invalid(param, param + " must be a string or an array of text parts");
        var sb = new StringBuilder();
        for (int i = 0; i < content.size(); i++) {
            var part = content.get(i);
            var type = part.path("type").asText("");
            if (!types.contains(type) || !part.path("text").isTextual()) {
                throw OpenAiError.invalid(param + "[" + i + "]", "Content parts of type '" + type + "' are not supported: only text ("
                        + String.join(", ", new java.util.TreeSet<>(types)) + ") with a 'text' string");
            }
            if (!sb.isEmpty()) sb.append('\n');
            sb.append(part.get("text").textValue());
        }
        return sb.toString();
    }

    private static ObjectNode body(Context ctx) {
        var text = ctx.body();
        if (text.isBlank()) throw OpenAiError.invalid(null, "The request body is empty: send a JSON object");
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw OpenAiError.invalid(null, "We could not parse the JSON body of your request: " + e.getOriginalMessage()
                    + " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")");
        }
        if (node == null || !node.isObject()) throw OpenAiError.invalid(null, "The request body must be a JSON object");
        return (ObjectNode) node;
    }

    /** Every parameter must be one the endpoint takes; a null counts as absent. */
    private static void checkParams(ObjectNode body, Set<String> accepted) {
        for (var it = body.fields(); it.hasNext(); ) {
            var f = it.next();
            if (f.getValue().isNull()) continue;
            var why = REFUSED.get(f.getKey());
            if (why != null) throw OpenAiError.invalid(f.getKey(), f.getKey() + " is not supported here: " + why);
            if (!accepted.contains(f.getKey())) {
                throw new OpenAiError(400, "invalid_request_error", "unknown_parameter", f.getKey(), "Unrecognized request argument supplied: " + f.getKey());
            }
        }
    }

    private static void checkNoClientTools(ObjectNode body) {
        var tools = body.get("tools");
        if (tools != null && !tools.isNull() && (!tools.isArray() || !tools.isEmpty())) {
            throw OpenAiError.invalid("tools", "Client-side tools are not supported: the agent's tools run on the server, and the client gets its answer");
        }
        var choice = body.get("tool_choice");
        if (choice != null && !choice.isNull() && !(choice.isTextual() && Set.of("auto", "none").contains(choice.textValue()))) {
            throw OpenAiError.invalid("tool_choice", "tool_choice can only be 'auto' or 'none': the agent's tools run on the server");
        }
    }

    private static void checkChoice(ObjectNode body, String field, Set<String> allowed) {
        var v = body.get(field);
        if (v != null && !v.isNull() && !(v.isTextual() && allowed.contains(v.textValue()))) {
            throw OpenAiError.invalid(field, field + " must be one of " + String.join(", ", new java.util.TreeSet<>(allowed)));
        }
    }

    private static void checkFalse(ObjectNode body, String field, String why) {
        var v = body.get(field);
        if (v != null && !v.isNull() && !(v.isBoolean() && !v.booleanValue())) throw OpenAiError.invalid(field, why);
    }

    private static void checkTrue(ObjectNode body, String field, String why) {
        var v = body.get(field);
        if (v != null && !v.isNull() && !(v.isBoolean() && v.booleanValue())) throw OpenAiError.invalid(field, why);
    }

    private static boolean bool(ObjectNode body, String field) {
        var v = body.get(field);
        if (v == null || v.isNull()) return false;
        if (!v.isBoolean()) throw OpenAiError.invalid(field, field + " must be true or false");
        return v.booleanValue();
    }

    private static String optText(ObjectNode body, String field) {
        var v = body.get(field);
        if (v == null || v.isNull()) return null;
        if (!v.isTextual()) throw OpenAiError.invalid(field, field + " must be a string");
        return v.textValue();
    }

    // ---- following a run ----

    /** What a run left: its stored events, and its error when it never began. */
    record Followed(List<Event> events, String notStarted) {}

    /** Follows a run, feeding its text to {@code steps} (live deltas, then each stored step) and keeping the stream open. */
    private Followed followSteps(RunEvents.Subscription sub, String runId, StepText steps, Writer out) throws IOException, InterruptedException {
        return follow(sub, runId, new Follower() {
            @Override
            public void live(Event.ModelDelta d) throws IOException {
                steps.delta(d);
            }

            @Override
            public void stored(Event e) throws IOException {
                if (e instanceof Event.StepCompleted c) steps.completed(c);
            }

            @Override
            public void idle() throws IOException {
                out.write(": keep-alive\n\n");
            }
        });
    }

    interface Follower {
        void live(Event.ModelDelta delta) throws IOException;

        void stored(Event event) throws IOException;

        void idle() throws IOException;
    }

    /**
     * Follows a run until its run_finished is stored, or it ended without one (cancelled before it began, or it could
     * not begin): live deltas first, then the stored events, so that a step's deltas come before its step_completed.
     */
    private Followed follow(RunEvents.Subscription sub, String runId, Follower f) throws IOException, InterruptedException {
        var all = new ArrayList<Event>();
        long last = 0;
        while (true) {
            long version = sub.version();
            for (var m = sub.pollLive(); m != null; m = sub.pollLive()) {
                if (f != null && "model_delta".equals(m.event()) && Json.read(m.json(), Event.class) instanceof Event.ModelDelta d) f.live(d);
            }
            var rows = store.eventsAfter(runId, last, PAGE);
            for (var row : rows) {
                last = row.seq();
                var e = Json.read(row.json(), Event.class);
                all.add(e);
                if (f != null) f.stored(e);
                if (e instanceof Event.RunFinished) return new Followed(all, null);
            }
            if (rows.size() == PAGE) continue;
            if (rows.isEmpty() && !runs.busy(runId) && runs.record(runId).map(r -> !r.running()).orElse(true)) {
                // nothing more will come; read once more in case the last events landed just now
                if (!store.eventsAfter(runId, last, 1).isEmpty()) continue;
                var error = runs.acceptedRow(runId).map(Runs.Accepted::error).orElse(null);
                return new Followed(all, error != null ? error : "the run ended before it finished (cancelled, or the server stopped)");
            }
            if (!sub.await(version, heartbeat.toMillis()) && f != null) f.idle();
        }
    }

    /** How a run ended, in the APIs' terms: completed, incomplete or failed. */
    record Outcome(String status, String message) {}

    private static Outcome outcome(Followed run) {
        Event.RunFinished finished = null;
        String error = null;
        for (var e : run.events) {
            if (e instanceof Event.RunFinished f) finished = f;
            if (e instanceof Event.ErrorEvent err) error = err.message();
        }
        if (finished == null) return new Outcome("failed", run.notStarted != null ? run.notStarted : "the run has not finished");
        if (finished.status() == RunStatus.SUCCEEDED) return new Outcome("completed", null);
        var why = "it stopped with " + finished.stopReason() + (error != null ? ": " + error : "");
        return new Outcome(BUDGET_STOPS.contains(finished.stopReason()) ? "incomplete" : "failed", why);
    }

    /** The run's input and output tokens: its totals, subagents included. */
    private static long[] usage(List<Event> events) {
        long[] u = {0, 0};
        for (var e : events) {
            if (e instanceof Event.UsageEvent ue) {
                u[0] = ue.totalInputTokens();
                u[1] = ue.totalOutputTokens();
            } else if (e instanceof Event.RunFinished f) {
                u[0] = f.inputTokens();
                u[1] = f.outputTokens();
            }
        }
        return u;
    }

    /** An output message: one step's text. */
    record Item(String id, String text) {}

    /** The steps of a run that said something, in order; the last is the answer. */
    static List<Item> items(String runId, List<Event> events) {
        var out = new ArrayList<Item>();
        for (var e : events) {
            if (e instanceof Event.StepCompleted c) {
                var text = StepText.assistantText(c);
                if (!text.isBlank()) out.add(new Item("msg_" + runId + "_" + c.step(), text));
            }
        }
        return out;
    }

    /**
     * Turns a run's live deltas and stored step_completed events into text per step: a step opens at its first
     * delta (or at its completion when no delta came), and closes with its text as stored; what the deltas missed of
     * it is sent as one more delta, so that a step's deltas concatenate to its text.
     */
    static final class StepText {
        interface Out {
            void open(int step) throws IOException;

            void delta(int step, String text) throws IOException;

            void close(int step, String text) throws IOException;
        }

        private final Out out;
        private int open = -1;
        private int closed = 0;
        private final StringBuilder sent = new StringBuilder();

        StepText(Out out) {
            this.out = out;
        }

        static String assistantText(Event.StepCompleted c) {
            for (var m : c.messages()) if (m.role() == Role.ASSISTANT) return m.text();
            return "";
        }

        void delta(Event.ModelDelta d) throws IOException {
            if (d.step() <= closed || d.text().isEmpty()) return;
            if (open != d.step()) {
                finish();
                open = d.step();
                out.open(open);
            }
            sent.append(d.text());
            out.delta(open, d.text());
        }

        void completed(Event.StepCompleted c) throws IOException {
            // closed already: a later step's first delta came before this step's completion was read
            if (c.step() <= closed) return;
            // a step whose text had no deltas, overtaken by a later one: its text cannot be sent in its place
            if (open > c.step()) return;
            var text = assistantText(c);
            if (open != c.step()) {
                finish();
                if (!text.isBlank()) {
                    out.open(c.step());
                    out.delta(c.step(), text);
                    out.close(c.step(), text);
                }
            } else {
                if (text.startsWith(sent.toString()) && text.length() > sent.length()) out.delta(open, text.substring(sent.length()));
                out.close(open, text);
                open = -1;
                sent.setLength(0);
            }
            closed = Math.max(closed, c.step());
        }

        /** Closes a step left open (its run ended without completing it) with what was sent of it. */
        void finish() throws IOException {
            if (open == -1) return;
            out.close(open, sent.toString());
            closed = Math.max(closed, open);
            open = -1;
            sent.setLength(0);
        }
    }

    // ---- writing ----

    private static void json(Context ctx, JsonNode body) {
        ctx.status(200).contentType("application/json").result(Json.write(body));
    }

    interface Sse {
        void event(String type, ObjectNode data) throws IOException;
    }

    /** An SSE response: lines written and flushed at once. */
    interface Writer {
        void write(String s) throws IOException;
    }

    private static Writer sse(Context ctx) {
        var res = ctx.res();
        res.setStatus(200);
        res.setContentType("text/event-stream;charset=utf-8");
        res.setHeader("Cache-Control", "no-cache");
        res.setHeader("X-Accel-Buffering", "no");
        OutputStream out; // the servlet's own: Javalin's ctx.outputStream() ignores flush(), and each event must leave at once
        try {
            out = res.getOutputStream();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return s -> {
            out.write(s.getBytes(StandardCharsets.UTF_8));
            out.flush();
        };
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        var s = new java.util.HashSet<>(a);
        s.addAll(b);
        return Set.copyOf(s);
    }

    private static Map<String, String> refused() {
        var m = new LinkedHashMap<String, String>();
        var sampling = "the agent's model and sampling settings are the server's (serve --model and the config)";
        for (var p : List.of("temperature", "top_p", "seed", "stop", "frequency_penalty", "presence_penalty", "logit_bias", "logprobs",
                "top_logprobs", "reasoning", "reasoning_effort", "verbosity", "prediction")) m.put(p, sampling);
        var budgets = "a run's budgets (max_steps, max_tokens, max_cost_usd, timeout) are the server's";
        for (var p : List.of("max_output_tokens", "max_tokens", "max_completion_tokens", "max_tool_calls")) m.put(p, budgets);
        var media = "only text goes in and out";
        for (var p : List.of("audio", "modalities")) m.put(p, media);
        var tools = "the agent's tools run on the server";
        for (var p : List.of("functions", "function_call", "web_search_options")) m.put(p, tools);
        var stored = "stored prompts and conversations are not kept here; send the input, or previous_response_id";
        for (var p : List.of("prompt", "conversation")) m.put(p, stored);
        return Map.copyOf(m);
    }
}
