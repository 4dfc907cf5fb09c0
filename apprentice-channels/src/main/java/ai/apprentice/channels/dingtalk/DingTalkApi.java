package ai.apprentice.channels.dingtalk;

import ai.apprentice.channels.ChatException;
import ai.apprentice.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;

/**
 * DingTalk's server API over the JDK's HTTP client (there is no official Java SDK for it on Maven Central that stays
 * lean; the calls are a handful of JSON POSTs). The app's access token comes from {@code POST /v1.0/oauth2/accessToken}
 * with appKey and appSecret (open.dingtalk.com "obtain the access token of an internal app") and rides in the
 * {@code x-acs-dingtalk-access-token} header; it lasts {@code expireIn} seconds and is fetched again before it ends.
 */
final class DingTalkApi {
    private static final Duration TIMEOUT = Duration.ofSeconds(15);
    private final HttpClient http;
    private final URI base;
    private final String appKey;
    private final String appSecret;
    private final ai.apprentice.channels.AccessToken token;

    DingTalkApi(HttpClient http, URI base, String appKey, String appSecret, Clock clock) {
        this.http = http;
        this.base = base;
        this.appKey = appKey;
        this.appSecret = appSecret;
        this.token = new ai.apprentice.channels.AccessToken(clock, this::issue);
    }

    URI base() {
        return base;
    }

    /** A fresh token (for {@code check}) or the cached one; the ChatException says what DingTalk answered. */
    String token(boolean fresh) throws ChatException {
        return token.get(fresh);
    }

    private ai.apprentice.channels.AccessToken.Issued issue() throws ChatException {
        var body = Json.object().put("appKey", appKey).put("appSecret", appSecret);
        var answer = send("POST", "/v1.0/oauth2/accessToken", body, false);
        var t = answer.path("accessToken").asText("");
        if (t.isEmpty()) throw new ChatException("dingtalk: /v1.0/oauth2/accessToken answered without an accessToken");
        return new ai.apprentice.channels.AccessToken.Issued(t, answer.path("expireIn").asLong(7200));
    }

    long tokenSeconds() {
        return token.secondsLeft();
    }

    JsonNode post(String path, ObjectNode body) throws ChatException {
        return send("POST", path, body, true);
    }

    JsonNode put(String path, ObjectNode body) throws ChatException {
        return send("PUT", path, body, true);
    }

    private JsonNode send(String method, String path, ObjectNode body, boolean authorized) throws ChatException {
        var request = HttpRequest.newBuilder(base.resolve(path)).timeout(TIMEOUT).header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(Json.write(body)));
        if (authorized) request.header("x-acs-dingtalk-access-token", token(false));
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new ChatException("dingtalk: " + method + " " + path + " could not reach " + base.getHost() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChatException("dingtalk: " + method + " " + path + " was interrupted", e);
        }
        JsonNode answer;
        try {
            answer = response.body().isBlank() ? Json.object() : Json.tree(response.body());
        } catch (RuntimeException e) {
            throw new ChatException("dingtalk: " + method + " " + path + " answered " + response.statusCode() + " with a body that is not JSON");
        }
        // errors are {"code": "...", "message": "..."} with a 4xx/5xx status (open.dingtalk.com "server API error codes")
        if (response.statusCode() / 100 != 2) {
            if (response.statusCode() == 401 && authorized) {
                token.forget(null); // the token was revoked: the next call fetches another
            }
            throw new ChatException("dingtalk: " + method + " " + path + " answered " + response.statusCode() + " "
                    + answer.path("code").asText("") + ": " + answer.path("message").asText(response.body()));
        }
        return answer;
    }

    /** POSTs a message to a conversation's session webhook (its URL is its credential; no token). */
    void webhook(URI url, ObjectNode body) throws ChatException {
        var request = HttpRequest.newBuilder(url).timeout(TIMEOUT).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Json.write(body))).build();
        try {
            var response = http.send(request, HttpResponse.BodyHandlers.ofString());
            JsonNode answer = response.body().isBlank() ? Json.object() : Json.tree(response.body());
            // the session webhook answers {"errcode": 0, "errmsg": "ok"}; any other errcode is a refusal
            if (response.statusCode() / 100 != 2 || answer.path("errcode").asInt(0) != 0) {
                throw new ChatException("dingtalk: the session webhook answered " + response.statusCode() + " "
                        + answer.path("errcode").asText("") + ": " + answer.path("errmsg").asText(""));
            }
        } catch (IOException | RuntimeException e) {
            throw new ChatException("dingtalk: the session webhook could not be reached: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChatException("dingtalk: the session webhook call was interrupted", e);
        }
    }

    /** GETs at most {@code maxBytes} of a download URL that the API gave. */
    byte[] download(URI url, long maxBytes) throws ChatException {
        if (!"https".equals(url.getScheme()) && !"http".equals(url.getScheme())) throw new ChatException("dingtalk: a download URL that is not http(s)");
        try {
            var response = http.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(60)).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = response.body()) {
                if (response.statusCode() / 100 != 2) throw new ChatException("dingtalk: the file download answered " + response.statusCode());
                var bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
                if (bytes.length > maxBytes) throw new ChatException("the file is larger than " + maxBytes + " bytes");
                return bytes;
            }
        } catch (IOException e) {
            throw new ChatException("dingtalk: the file could not be downloaded: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChatException("dingtalk: the download was interrupted", e);
        }
    }
}
