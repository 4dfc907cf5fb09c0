package ai.apprentice.server;

import ai.apprentice.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.http.Context;
import java.util.Set;

/** A request's JSON object, read strictly: malformed JSON, a field not in the endpoint's list, or a wrong type is a 400/422. */
final class Body {
    private final JsonNode node;

    private Body(JsonNode node) {
        this.node = node;
    }

    static Body of(Context ctx, Set<String> fields) {
        var text = ctx.body();
        if (text.isBlank()) return new Body(Json.object());
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            var at = e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
            throw ApiException.badRequest("The body is not valid JSON: " + e.getOriginalMessage() + at);
        }
        if (node == null || !node.isObject()) throw ApiException.badRequest("The body must be a JSON object");
        for (var it = node.fieldNames(); it.hasNext(); ) {
            var name = it.next();
            if (!fields.contains(name)) {
                throw ApiException.badRequest("Unknown field '" + name + "'; this endpoint takes " + String.join(", ", new java.util.TreeSet<>(fields)));
            }
        }
        return new Body(node);
    }

    String text(String field, boolean required) {
        var v = node.get(field);
        if (v == null || v.isNull()) {
            if (required) throw ApiException.unprocessable(field + " is required");
            return null;
        }
        if (!v.isTextual()) throw ApiException.unprocessable(field + " must be a string, got " + v.getNodeType().name().toLowerCase());
        return v.textValue();
    }

    Boolean bool(String field, boolean required) {
        var v = node.get(field);
        if (v == null || v.isNull()) {
            if (required) throw ApiException.unprocessable(field + " is required");
            return null;
        }
        if (!v.isBoolean()) throw ApiException.unprocessable(field + " must be true or false, got " + v.getNodeType().name().toLowerCase());
        return v.booleanValue();
    }

    Double number(String field) {
        var v = node.get(field);
        if (v == null || v.isNull()) return null;
        if (!v.isNumber()) throw ApiException.unprocessable(field + " must be a number, got " + v.getNodeType().name().toLowerCase());
        return v.doubleValue();
    }

    JsonNode node(String field) {
        return node.get(field);
    }
}
