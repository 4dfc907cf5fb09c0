package ai.apprentice.server;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * A route of the server that authenticates its own requests instead of with a bearer token: a chat platform's event
 * deliveries ({@code POST /channels/NAME/events}, signed as the platform documents) and webhooks
 * ({@code POST /hooks/NAME}, signed with an HMAC). The handler verifies the signature before anything else and answers
 * a bad one with 401; the server still checks the Host header and the body's size.
 */
@FunctionalInterface
public interface Inbound {
    /**
     * One delivery as received: header names in lower case, the body's exact bytes (signatures are over them).
     */
    record Request(String method, String path, Map<String, String> headers, Map<String, String> query, byte[] body, String remoteAddress) {
        public String header(String name) {
            return headers.get(name.toLowerCase(java.util.Locale.ROOT));
        }

        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    record Response(int status, String contentType, byte[] body) {
        public static Response json(int status, String json) {
            return new Response(status, "application/json", json.getBytes(StandardCharsets.UTF_8));
        }

        public static Response text(int status, String text) {
            return new Response(status, "text/plain; charset=utf-8", text.getBytes(StandardCharsets.UTF_8));
        }

        /** The server's JSON error shape: {@code {"error": {"status", "code", "message"}}}. */
        public static Response error(int status, String code, String message) {
            var o = ai.apprentice.json.Json.object();
            o.putObject("error").put("status", status).put("code", code).put("message", message);
            return json(status, ai.apprentice.json.Json.write(o));
        }

        public static Response ok() {
            return json(200, "{\"ok\":true}");
        }
    }

    Response handle(Request request) throws Exception;
}
