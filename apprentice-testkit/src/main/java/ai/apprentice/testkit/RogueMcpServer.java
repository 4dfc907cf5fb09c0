package ai.apprentice.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An MCP server over stdio written by hand (JSON-RPC lines, no SDK), for tests of how apprentice's client takes a
 * server that breaks the protocol's promises, which an SDK server would not let its tools do. It declares only
 * {@code tools} and offers:
 * <ul>
 * <li>{@code weather}: declares an output schema ({@code celsius} a number, {@code city} a string, both required, nothing
 * else) and answers as its argument {@code give} says: {@code good} (conforms), {@code wrong} ({@code celsius} is a
 * string; the text content looks fine), {@code missing} (text only, no structured content), {@code error} (an error
 * result, no structured content);</li>
 * <li>{@code loose}: no output schema, structured content only;</li>
 * <li>{@code reschema}: from now on {@code weather}'s {@code celsius} must be a string; sends
 * {@code notifications/tools/list_changed};</li>
 * <li>{@code ask}: sends the client the request named by its argument {@code method} (with {@code params}), whatever the
 * client declared, and returns {@code ANSWER} and the client's response ({@code {"result": ...}} or
 * {@code {"error": ...}}) as text; first it sends a log message ({@code logging} was not declared either).</li>
 * </ul>
 */
public final class RogueMcpServer {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final PrintStream OUT = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), false, StandardCharsets.UTF_8);
    private static final Map<String, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private static final AtomicInteger ids = new AtomicInteger();
    private static volatile String celsiusType = "number";

    private RogueMcpServer() {}

    /** The command that starts it in a child JVM with this JVM's class path. */
    public static List<String> command() {
        return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", System.getProperty("java.class.path"),
                RogueMcpServer.class.getName());
    }

    public static void main(String[] args) throws Exception {
        var in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            if (line.isBlank()) continue;
            JsonNode m;
            try {
                m = JSON.readTree(line);
            } catch (java.io.IOException e) {
                continue;
            }
            var id = m.get("id");
            var method = m.path("method").asText(null);
            if (method == null) {
                // the client's response to a request of ours
                var waiting = id == null ? null : pending.remove(id.asText());
                if (waiting != null) waiting.complete(m);
                continue;
            }
            if (id == null) continue; // a notification
            if (method.equals("tools/call")) {
                // on its own thread: it may wait for the client's answer to a request of ours, which this loop reads
                Thread.ofPlatform().daemon().start(() -> respond(id, call(m.path("params"))));
            } else {
                respond(id, answer(method, m.path("params")));
            }
        }
        System.exit(0);
    }

    private static Object answer(String method, JsonNode params) {
        return switch (method) {
            case "initialize" -> Map.of("protocolVersion", params.path("protocolVersion").asText("2025-11-25"),
                    "capabilities", Map.of("tools", Map.of("listChanged", true)),
                    "serverInfo", Map.of("name", "rogue", "version", "1"));
            case "ping" -> Map.of();
            case "tools/list" -> Map.of("tools", tools());
            default -> new Failure(-32601, "Method not found: " + method);
        };
    }

    private record Failure(int code, String message) {}

    private static List<Object> tools() {
        var any = Map.of("type", "object");
        var out = new ArrayList<Object>();
        out.add(Map.of("name", "weather", "description", "the weather, as its argument give says", "inputSchema", any,
                "outputSchema", Map.of("type", "object", "required", List.of("celsius", "city"), "additionalProperties", false,
                        "properties", Map.of("celsius", Map.of("type", celsiusType), "city", Map.of("type", "string")))));
        out.add(Map.of("name", "loose", "description", "structured content, no schema", "inputSchema", any));
        out.add(Map.of("name", "reschema", "description", "changes weather's output schema", "inputSchema", any));
        out.add(Map.of("name", "ask", "description", "sends the client a request", "inputSchema", any));
        return out;
    }

    private static Object call(JsonNode params) {
        var arguments = params.path("arguments");
        switch (params.path("name").asText()) {
            case "weather" -> {
                return switch (arguments.path("give").asText("good")) {
                    case "wrong" -> structured(Map.of("celsius", "warm", "city", "Oslo"));
                    case "missing" -> Map.of("content", List.of(text("{\"celsius\": 21.5, \"city\": \"Oslo\"}")));
                    case "error" -> Map.of("content", List.of(text("no weather today")), "isError", true);
                    default -> structured(Map.of("celsius", 21.5, "city", "Oslo"));
                };
            }
            case "loose" -> {
                return Map.of("content", List.of(), "structuredContent", Map.of("anything", List.of(1, "two")));
            }
            case "reschema" -> {
                celsiusType = "string";
                send(Map.of("jsonrpc", "2.0", "method", "notifications/tools/list_changed"));
                return Map.of("content", List.of(text("changed")));
            }
            case "ask" -> {
                send(Map.of("jsonrpc", "2.0", "method", "notifications/message", "params", Map.of("level", "warning", "data", "about to ask")));
                var id = "rogue-" + ids.incrementAndGet();
                var answer = new CompletableFuture<JsonNode>();
                pending.put(id, answer);
                var request = JSON.createObjectNode().put("jsonrpc", "2.0").put("id", id).put("method", arguments.path("method").asText());
                request.set("params", arguments.has("params") ? arguments.get("params") : JSON.createObjectNode());
                send(request);
                try {
                    var r = (ObjectNode) answer.get(20, TimeUnit.SECONDS).deepCopy();
                    r.remove("jsonrpc");
                    r.remove("id");
                    return Map.of("content", List.of(text("ANSWER " + r)));
                } catch (Exception e) {
                    return Map.of("content", List.of(text("NO ANSWER " + e)), "isError", true);
                }
            }
            default -> {
                return new Failure(-32602, "Unknown tool: " + params.path("name").asText());
            }
        }
    }

    private static Map<String, Object> structured(Map<String, Object> value) {
        try {
            return Map.of("content", List.of(text(JSON.writeValueAsString(value))), "structuredContent", value);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, Object> text(String text) {
        return Map.of("type", "text", "text", text);
    }

    private static void respond(JsonNode id, Object result) {
        var m = JSON.createObjectNode().put("jsonrpc", "2.0");
        m.set("id", id);
        if (result instanceof Failure f) m.putObject("error").put("code", f.code()).put("message", f.message());
        else m.set("result", JSON.valueToTree(result));
        send(m);
    }

    private static synchronized void send(Object message) {
        try {
            OUT.println(JSON.writeValueAsString(message));
            OUT.flush();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
