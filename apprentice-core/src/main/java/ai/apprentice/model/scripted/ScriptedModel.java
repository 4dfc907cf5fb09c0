package ai.apprentice.model.scripted;

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
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A model that plays a script of assistant turns: for tests, demos and offline docs. Turn N answers the
 * request whose history holds N-1 assistant messages, so a resumed run picks up at the right turn.
 *
 * <p>A script is a JSON array, or JSON Lines, of turns:
 * <pre>{@code
 * {"text": "Let me look.", "tool_calls": [{"name": "read_file", "arguments": {"path": "a.txt"}}]}
 * {"text": "The file says hello.", "usage": {"input_tokens": 120, "output_tokens": 8}}
 * {"error": "rate limited", "retryable": true}       // this attempt fails
 * {"delay_ms": 200, "text": "slow answer"}            // sleeps first (interruptible)
 * {"reasoning": "Six sevens.", "text": "42"}          // a reasoning model's thinking, apart from the answer
 * }</pre>
 * {@code arguments} may be an object or a string (to play malformed JSON). Without {@code usage}, tokens
 * are estimated at four characters each.
 */
public final class ScriptedModel implements Model {
    private final String id;
    private final List<JsonNode> turns;
    private final boolean nativeTools;
    private final java.util.concurrent.atomic.AtomicInteger failures = new java.util.concurrent.atomic.AtomicInteger();

    public ScriptedModel(String id, List<JsonNode> turns, boolean nativeTools) {
        this.id = id;
        this.turns = List.copyOf(turns);
        this.nativeTools = nativeTools;
    }

    public ScriptedModel(String id, List<JsonNode> turns) {
        this(id, turns, true);
    }

    /** Reads a script file (JSON array or JSON Lines); errors name the file and the line. */
    public static ScriptedModel load(Path file) throws IOException {
        return new ScriptedModel("scripted:" + file.getFileName(), parse(Files.readString(file), file.toString()));
    }

    public static List<JsonNode> parse(String text, String source) {
        var trimmed = text.strip();
        var turns = new ArrayList<JsonNode>();
        try {
            if (trimmed.startsWith("[")) {
                Json.MAPPER.readTree(trimmed).forEach(turns::add);
                return turns;
            }
        } catch (IOException e) {
            throw new IllegalArgumentException(source + ": not valid JSON: " + e.getMessage(), e);
        }
        var lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            var line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("//")) continue;
            try {
                turns.add(Json.MAPPER.readTree(line));
            } catch (IOException e) {
                throw new IllegalArgumentException(source + ":" + (i + 1) + ": not a JSON object: "
                        + e.getMessage().lines().findFirst().orElse(""), e);
            }
        }
        return turns;
    }

    /** Builds turns in code: {@code ScriptedModel.of(turn("hi"), toolTurn("add", "{\"a\":1}"))}. */
    public static ScriptedModel of(JsonNode... turns) {
        return new ScriptedModel("scripted:inline", List.of(turns));
    }

    public static JsonNode turn(String text) {
        return Json.object().put("text", text);
    }

    public static JsonNode toolTurn(String text, String toolName, String argumentsJson) {
        var t = Json.object();
        if (text != null) t.put("text", text);
        t.putArray("tool_calls").addObject().put("name", toolName).put("arguments", argumentsJson);
        return t;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public boolean supportsNativeTools() {
        return nativeTools;
    }

    @Override
    public ChatResponse chat(ChatRequest request, ModelListener listener) throws InterruptedException {
        int index = (int) request.messages().stream().filter(m -> m.role() == Role.ASSISTANT).count();
        if (index >= turns.size()) {
            throw ModelException.fatal("The script has " + turns.size() + " turns and the run asked for turn "
                    + (index + 1));
        }
        var turn = turns.get(index);
        long delay = turn.path("delay_ms").asLong(0);
        if (delay > 0) Thread.sleep(delay);
        if (turn.has("error")) {
            // An error turn fails a given number of times (default once), then plays its text if any.
            int times = turn.path("times").asInt(1);
            if (failures.incrementAndGet() <= times) {
                throw new ModelException(turn.get("error").asText(), turn.path("retryable").asBoolean(false));
            }
            failures.set(0);
        }
        String thought = turn.path("reasoning").asText("");
        if (!thought.isEmpty()) listener.onReasoningDelta(thought);
        String text = turn.path("text").asText("");
        for (var piece : text.split("(?<= )")) {
            if (!piece.isEmpty()) listener.onTextDelta(piece);
        }
        var calls = new ArrayList<ToolCall>();
        var callNodes = turn.path("tool_calls");
        for (int i = 0; i < callNodes.size(); i++) {
            var c = callNodes.get(i);
            var args = c.path("arguments");
            calls.add(new ToolCall(c.path("id").asText("call_" + (index + 1) + "_" + i), c.path("name").asText(),
                    args.isTextual() ? args.asText() : args.isMissingNode() ? "{}" : args.toString()));
        }
        var u = turn.path("usage");
        var usage = u.isObject()
                ? new Usage(u.path("input_tokens").asLong(), u.path("output_tokens").asLong())
                : new Usage(estimateTokens(request.messages()), Math.max(1, (text.length() + 3) / 4));
        var reasoning = thought.isEmpty() ? List.<ai.apprentice.model.Reasoning>of()
                : List.of(new ai.apprentice.model.Reasoning(ai.apprentice.model.Reasoning.TEXT, thought, null, null));
        return new ChatResponse(Message.assistant(text, calls, reasoning), usage, calls.isEmpty() ? "stop" : "tool_calls");
    }

    private static long estimateTokens(List<Message> messages) {
        long chars = 0;
        for (var m : messages) {
            chars += m.text().length();
            for (var c : m.toolCalls()) chars += c.name().length() + c.arguments().length();
        }
        return Math.max(1, chars / 4);
    }

    public int size() {
        return turns.size();
    }
}
