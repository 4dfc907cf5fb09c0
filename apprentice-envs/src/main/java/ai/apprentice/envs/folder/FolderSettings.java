package ai.apprentice.envs.folder;

import ai.apprentice.json.Json;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The settings of a folder environment, from its optional {@code environment.json}:
 * <ul>
 *   <li>{@code description}: one line for {@code apprentice env list} and reports;
 *   <li>{@code max_actions} (default 30): tool calls per episode, the message that ends it included;
 *   <li>{@code check_timeout_seconds} (default 120): after this long the check is killed and the reward is 0;
 *   <li>{@code sandbox} (default true): false runs the agent's shell and the check without the sandbox, as the
 *       person running apprentice; meant for a machine without bubblewrap (macOS) and tasks one trusts the agent
 *       with there.
 * </ul>
 * A task's {@code task.json} may set {@code max_actions} and {@code check_timeout_seconds} for that task, and
 * its {@code check} command. Unknown keys are refused, so a misspelt setting does not go unnoticed.
 */
record FolderSettings(String description, int maxActions, int checkTimeoutSeconds, boolean sandbox) {
    static final int DEFAULT_MAX_ACTIONS = 30;
    static final int DEFAULT_CHECK_TIMEOUT_SECONDS = 120;
    static final List<String> KEYS = List.of("description", "max_actions", "check_timeout_seconds", "sandbox");
    /** What a task's {@code task.json} may set. */
    static final List<String> TASK_KEYS = List.of("check", "max_actions", "check_timeout_seconds");

    static final FolderSettings DEFAULT = new FolderSettings(null, DEFAULT_MAX_ACTIONS, DEFAULT_CHECK_TIMEOUT_SECONDS, true);

    /** Reads {@code file} when it exists ({@code shown} is how errors name it). */
    static FolderSettings read(Path file, Path shown) {
        if (!Files.exists(file)) return DEFAULT;
        var json = object(file, shown, KEYS);
        return new FolderSettings(
                text(json, "description", null, shown),
                whole(json, "max_actions", DEFAULT_MAX_ACTIONS, 1, 10_000, shown),
                whole(json, "check_timeout_seconds", DEFAULT_CHECK_TIMEOUT_SECONDS, 1, 86_400, shown),
                flag(json, "sandbox", true, shown));
    }

    /** A task's own settings over these. */
    FolderSettings with(JsonNode task, Path shown) {
        return new FolderSettings(description, whole(task, "max_actions", maxActions, 1, 10_000, shown),
                whole(task, "check_timeout_seconds", checkTimeoutSeconds, 1, 86_400, shown), sandbox);
    }

    /** The JSON object in {@code file}, refusing keys not in {@code keys}. */
    static JsonNode object(Path file, Path shown, List<String> keys) {
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException(shown + " is not a file");
        String content;
        try {
            content = Files.readString(file);
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(shown + " is not UTF-8 text");
        } catch (IOException e) {
            throw new IllegalArgumentException("Cannot read " + shown + ": " + e.getMessage(), e);
        }
        JsonNode json;
        try {
            json = Json.MAPPER.readTree(content);
        } catch (JsonProcessingException e) {
            var at = e.getLocation();
            throw new IllegalArgumentException(shown + " is not valid JSON: " + e.getOriginalMessage()
                    + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"), e);
        }
        if (json == null || json.isMissingNode()) throw new IllegalArgumentException(shown + " is empty; it must hold a JSON object, such as {\"max_actions\": 30}");
        if (!json.isObject()) throw new IllegalArgumentException(shown + " must hold a JSON object, such as {\"max_actions\": 30}, not " + json.getNodeType().toString().toLowerCase());
        var unknown = new ArrayList<String>();
        json.fieldNames().forEachRemaining(k -> { if (!keys.contains(k)) unknown.add(k); });
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException(shown + ": unknown " + (unknown.size() == 1 ? "setting " : "settings ") + String.join(", ", unknown)
                    + "; the settings are " + String.join(", ", keys));
        }
        return json;
    }

    static String text(JsonNode json, String key, String otherwise, Path shown) {
        var v = json.get(key);
        if (v == null || v.isNull()) return otherwise;
        if (!v.isTextual() || v.asText().isBlank()) throw new IllegalArgumentException(shown + ": " + key + " must be a non-empty string, not " + v);
        return v.asText();
    }

    static int whole(JsonNode json, String key, int otherwise, int min, int max, Path shown) {
        var v = json.get(key);
        if (v == null || v.isNull()) return otherwise;
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < min || v.asInt() > max) {
            throw new IllegalArgumentException(shown + ": " + key + " must be a whole number from " + min + " to " + max + ", not " + v);
        }
        return v.asInt();
    }

    static boolean flag(JsonNode json, String key, boolean otherwise, Path shown) {
        var v = json.get(key);
        if (v == null || v.isNull()) return otherwise;
        if (!v.isBoolean()) throw new IllegalArgumentException(shown + ": " + key + " must be true or false, not " + v);
        return v.asBoolean();
    }
}
