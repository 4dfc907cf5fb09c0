package ai.apprentice.channels.wecom;

import ai.apprentice.channels.ChatException;
import ai.apprentice.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.UUID;

/**
 * WeCom's server API as the intern uses it, over the JDK's HTTP client: the access_token
 * (https://developer.work.weixin.qq.com/document/path/91039: {@code GET /cgi-bin/gettoken?corpid&corpsecret}, cached
 * until {@code expires_in}, fetched anew when WeCom says it expired), JSON calls that answer
 * {@code {"errcode": 0, ...}}, and temporary media (upload, download).
 */
final class WeComApi {
    private static final Duration TIMEOUT = Duration.ofSeconds(15);
    /** errcodes that mean "the token is no longer good": 40014 invalid, 42001 expired (https://developer.work.weixin.qq.com/document/path/90313). */
    private static final Set<Integer> STALE_TOKEN = Set.of(40014, 42001);

    private final HttpClient http;
    private final URI base;
    private final String corpId;
    private final String corpSecret;
    private final ai.apprentice.channels.AccessToken token;

    WeComApi(HttpClient http, URI base, String corpId, String corpSecret, Clock clock) {
        this.http = http;
        this.base = base;
        this.corpId = corpId;
        this.corpSecret = corpSecret;
        this.token = new ai.apprentice.channels.AccessToken(clock, this::issue);
    }

    /** A token, from the cache while it has more than five minutes left. */
    String token() throws ChatException {
        return token.get(false);
    }

    private ai.apprentice.channels.AccessToken.Issued issue() throws ChatException {
        var url = base.resolve("cgi-bin/gettoken?corpid=" + enc(corpId) + "&corpsecret=" + enc(corpSecret));
        var answer = ok("gettoken", send(HttpRequest.newBuilder(url).timeout(TIMEOUT).GET().build(), "gettoken"));
        var t = answer.path("access_token").asText(null);
        if (t == null) throw new ChatException("wecom gettoken answered without an access_token");
        return new ai.apprentice.channels.AccessToken.Issued(t, answer.path("expires_in").asLong(7200));
    }

    private void forgetToken(String stale) {
        token.forget(stale);
    }

    /** {@code POST base/path?access_token=} with a JSON body; retried once with a new token when WeCom says the old one is stale. */
    JsonNode post(String path, JsonNode body) throws ChatException {
        for (int attempt = 0; ; attempt++) {
            var t = token();
            var request = HttpRequest.newBuilder(base.resolve(path + "?access_token=" + enc(t))).timeout(TIMEOUT)
                    .header("Content-Type", "application/json; charset=utf-8").POST(HttpRequest.BodyPublishers.ofString(Json.write(body))).build();
            var answer = send(request, path);
            if (attempt == 0 && STALE_TOKEN.contains(answer.path("errcode").asInt())) {
                forgetToken(t);
                continue;
            }
            return ok(path, answer);
        }
    }

    /** {@code GET base/path?access_token=&query}, a JSON answer. */
    JsonNode get(String path, String query) throws ChatException {
        var request = HttpRequest.newBuilder(base.resolve(path + "?access_token=" + enc(token()) + "&" + query)).timeout(TIMEOUT).GET().build();
        return ok(path, send(request, path));
    }

    /** Uploads {@code content} as temporary media of {@code type} (https://developer.work.weixin.qq.com/document/path/90253); its media_id. */
    String upload(String type, String filename, byte[] content) throws ChatException {
        var boundary = "apprentice-" + UUID.randomUUID();
        var head = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"media\"; filename=\"" + filename.replace("\"", "")
                + "\"; filelength=" + content.length + "\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8);
        var tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8);
        var body = new byte[head.length + content.length + tail.length];
        System.arraycopy(head, 0, body, 0, head.length);
        System.arraycopy(content, 0, body, head.length, content.length);
        System.arraycopy(tail, 0, body, head.length + content.length, tail.length);
        var request = HttpRequest.newBuilder(base.resolve("cgi-bin/media/upload?access_token=" + enc(token()) + "&type=" + enc(type))).timeout(TIMEOUT)
                .header("Content-Type", "multipart/form-data; boundary=" + boundary).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        var id = ok("media/upload", send(request, "media/upload")).path("media_id").asText("");
        if (id.isEmpty()) throw new ChatException("wecom media/upload answered without a media_id");
        return id;
    }

    /** The bytes of temporary media {@code mediaId} (https://developer.work.weixin.qq.com/document/path/90254), at most {@code maxBytes}. */
    byte[] download(String mediaId, long maxBytes) throws ChatException {
        var request = HttpRequest.newBuilder(base.resolve("cgi-bin/media/get?access_token=" + enc(token()) + "&media_id=" + enc(mediaId)))
                .timeout(Duration.ofSeconds(60)).GET().build();
        try {
            var response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = response.body()) {
                var type = response.headers().firstValue("Content-Type").orElse("");
                if (response.statusCode() != 200 || type.startsWith("application/json") || type.startsWith("text/plain")) {
                    // WeCom answers errors as JSON with status 200
                    var text = new String(in.readNBytes(4096), StandardCharsets.UTF_8);
                    throw new ChatException("wecom media/get answered " + response.statusCode() + ": " + errorOf(text));
                }
                var bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
                if (bytes.length > maxBytes) throw new ChatException("the file is larger than " + maxBytes + " bytes (max_attachment_bytes)");
                return bytes;
            }
        } catch (IOException e) {
            throw new ChatException("wecom media/get could not be reached: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChatException("interrupted");
        }
    }

    private static String errorOf(String text) {
        try {
            var n = Json.tree(text);
            return "errcode " + n.path("errcode").asInt() + " (" + n.path("errmsg").asText() + ")";
        } catch (RuntimeException e) {
            return "a body that is not JSON";
        }
    }

    private JsonNode send(HttpRequest request, String what) throws ChatException {
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new ChatException("wecom " + what + " could not be reached at " + base + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChatException("interrupted");
        }
        if (response.statusCode() != 200) throw new ChatException("wecom " + what + " answered HTTP " + response.statusCode());
        try {
            return Json.tree(response.body());
        } catch (RuntimeException e) {
            throw new ChatException("wecom " + what + " answered a body that is not JSON");
        }
    }

    private static JsonNode ok(String what, JsonNode answer) throws ChatException {
        int code = answer.path("errcode").asInt(0);
        if (code != 0) {
            throw new ChatException("wecom " + what + " answered errcode " + code + " (" + answer.path("errmsg").asText() + ")" + hint(code));
        }
        return answer;
    }

    /** What the errcodes a misconfigured channel meets mean (https://developer.work.weixin.qq.com/document/path/90313). */
    private static String hint(int code) {
        return switch (code) {
            case 40013 -> ": corp_id is wrong (My Company > Company Information > Company ID)";
            case 40001, 40091 -> ": the corp secret is wrong (the app's Secret, in App Management > the app)";
            case 60020 -> ": this server's IP is not in the app's trusted IPs (App Management > the app > Trusted IP)";
            case 40056, 301002 -> ": agent_id is wrong, or the secret is another app's";
            case 81013 -> ": the user is not in the app's visible range";
            default -> "";
        };
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
