package ai.apprentice.channels.feishu;

import ai.apprentice.channels.ChatException;
import ai.apprentice.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.UUID;

/**
 * Feishu's server API (open.feishu.cn "Server API") over the JDK's HTTP client. Every answer is {@code {"code": 0,
 * "msg": "success", "data": {...}}}; any other code is a refusal. The app's tenant_access_token comes from {@code POST
 * /open-apis/auth/v3/tenant_access_token/internal} with app_id and app_secret ("Get tenant_access_token of a custom
 * app"), rides as {@code Authorization: Bearer}, lasts {@code expire} seconds and is fetched again before it ends, or at
 * once when Feishu says it is no longer valid.
 */
final class FeishuApi {
    private static final Duration TIMEOUT = Duration.ofSeconds(15);
    /** "Invalid access token" and "missing access token" (open.feishu.cn "Common error codes"). */
    private static final Set<Integer> TOKEN_INVALID = Set.of(99991663, 99991661, 99991668);
    private final HttpClient http;
    private final URI base;
    private final String appId;
    private final String appSecret;
    private final ai.apprentice.channels.AccessToken token;

    FeishuApi(HttpClient http, URI base, String appId, String appSecret, Clock clock) {
        this.http = http;
        this.base = base;
        this.appId = appId;
        this.appSecret = appSecret;
        this.token = new ai.apprentice.channels.AccessToken(clock, this::issue);
    }

    /** A fresh token (for {@code check}) or the cached one; the ChatException says what Feishu answered. */
    String token(boolean fresh) throws ChatException {
        return token.get(fresh);
    }

    private ai.apprentice.channels.AccessToken.Issued issue() throws ChatException {
        var answer = send(json("POST", "/open-apis/auth/v3/tenant_access_token/internal", Json.object().put("app_id", appId).put("app_secret", appSecret)),
                "POST /open-apis/auth/v3/tenant_access_token/internal");
        var t = answer.path("tenant_access_token").asText("");
        if (t.isEmpty()) throw new ChatException("feishu: tenant_access_token/internal answered without a tenant_access_token");
        return new ai.apprentice.channels.AccessToken.Issued(t, answer.path("expire").asLong(7200));
    }

    long tokenSeconds() {
        return token.secondsLeft();
    }

    /** An authorized JSON call; its {@code data}. */
    JsonNode call(String method, String path, ObjectNode body) throws ChatException {
        var what = method + " " + path.replaceAll("\\?.*", "");
        try {
            return send(authorized(json(method, path, body)), what).path("data");
        } catch (TokenInvalid e) {
            return send(authorized(json(method, path, body)), what).path("data");
        }
    }

    /** An authorized call whose whole answer is returned (a few endpoints answer beside {@code data}). */
    JsonNode raw(String method, String path) throws ChatException {
        var what = method + " " + path;
        try {
            return send(authorized(json(method, path, null)), what);
        } catch (TokenInvalid e) {
            return send(authorized(json(method, path, null)), what);
        }
    }

    /** {@code POST /open-apis/im/v1/files} (multipart: file_type stream, file_name, file): the uploaded file's key. */
    String uploadFile(String filename, byte[] content) throws ChatException {
        var boundary = "apprentice-" + UUID.randomUUID();
        var body = new ByteArrayOutputStream();
        part(body, boundary, "file_type", null, "stream".getBytes(StandardCharsets.UTF_8));
        part(body, boundary, "file_name", null, filename.getBytes(StandardCharsets.UTF_8));
        part(body, boundary, "file", filename, content);
        body.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        var request = HttpRequest.newBuilder(base.resolve("/open-apis/im/v1/files")).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary).POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()));
        JsonNode answer;
        try {
            answer = send(authorized(request), "POST /open-apis/im/v1/files");
        } catch (TokenInvalid e) {
            answer = send(authorized(request), "POST /open-apis/im/v1/files");
        }
        var key = answer.path("data").path("file_key").asText("");
        if (key.isEmpty()) throw new ChatException("feishu: POST /open-apis/im/v1/files answered without a file_key");
        return key;
    }

    private static void part(ByteArrayOutputStream out, String boundary, String name, String filename, byte[] content) {
        var head = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\""
                + (filename == null ? "" : "; filename=\"" + filename.replaceAll("[\"\\r\\n]", "_") + "\"\r\nContent-Type: application/octet-stream") + "\r\n\r\n";
        out.writeBytes(head.getBytes(StandardCharsets.UTF_8));
        out.writeBytes(content);
        out.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
    }

    /** GETs at most {@code maxBytes} of an authorized binary resource (a message's image or file). */
    byte[] download(String path, long maxBytes) throws ChatException {
        var request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(60)).GET();
        authorized(request);
        try {
            var response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = response.body()) {
                var bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
                if (response.statusCode() / 100 != 2) {
                    throw new ChatException("feishu: the resource download answered " + response.statusCode() + " " + errorOf(bytes));
                }
                if (bytes.length > maxBytes) throw new ChatException("the file is larger than " + maxBytes + " bytes");
                return bytes;
            }
        } catch (IOException e) {
            throw new ChatException("feishu: the file could not be downloaded: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChatException("feishu: the download was interrupted", e);
        }
    }

    private static String errorOf(byte[] bytes) {
        try {
            var n = Json.tree(new String(bytes, StandardCharsets.UTF_8));
            return n.path("code").asText("") + ": " + n.path("msg").asText("");
        } catch (RuntimeException e) {
            return "";
        }
    }

    private HttpRequest.Builder json(String method, String path, ObjectNode body) {
        return HttpRequest.newBuilder(base.resolve(path)).timeout(TIMEOUT).header("Content-Type", "application/json; charset=utf-8")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(Json.write(body)));
    }

    private HttpRequest.Builder authorized(HttpRequest.Builder request) throws ChatException {
        return request.setHeader("Authorization", "Bearer " + token(false));
    }

    /** A call refused because the token is no longer valid: it has been dropped, and the call may be made once more. */
    private static final class TokenInvalid extends ChatException {
        TokenInvalid(String message) {
            super(message);
        }
    }

    private JsonNode send(HttpRequest.Builder request, String what) throws ChatException {
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new ChatException("feishu: " + what + " could not reach " + base.getHost() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChatException("feishu: " + what + " was interrupted", e);
        }
        JsonNode answer;
        try {
            answer = Json.tree(response.body());
        } catch (RuntimeException e) {
            throw new ChatException("feishu: " + what + " answered " + response.statusCode() + " with a body that is not JSON");
        }
        int code = answer.path("code").asInt(-1);
        if (code != 0 || response.statusCode() / 100 != 2) {
            var message = "feishu: " + what + " answered " + response.statusCode() + " code " + answer.path("code").asText("?") + ": "
                    + answer.path("msg").asText("");
            if (TOKEN_INVALID.contains(code)) {
                token.forget(null);
                throw new TokenInvalid(message);
            }
            throw new ChatException(message);
        }
        return answer;
    }
}
