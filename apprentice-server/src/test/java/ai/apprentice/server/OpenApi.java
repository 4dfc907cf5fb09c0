package ai.apprentice.server;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.javalin.Javalin;
import io.javalin.http.HandlerType;
import java.io.InputStream;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The served OpenAPI document as a checker of real responses: a response's status must be documented for its
 * operation, its media type must be one the document gives, and its body must validate (JSON Schema 2020-12)
 * against the schema given there; {@code $ref}s to components resolve within the document.
 */
final class OpenApi {
    static final Set<HandlerType> METHODS = Set.of(HandlerType.GET, HandlerType.POST, HandlerType.PUT, HandlerType.PATCH, HandlerType.DELETE);
    final JsonNode doc;
    private final SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
    private final Map<String, com.networknt.schema.Schema> schemas = new ConcurrentHashMap<>();
    /** "METHOD /path/{template}" of every operation a response was checked for. */
    final Set<String> exercised = ConcurrentHashMap.newKeySet();

    OpenApi(JsonNode doc) {
        this.doc = doc;
    }

    static OpenApi load() throws Exception {
        try (InputStream in = ApprenticeServer.class.getResourceAsStream("openapi.json")) {
            return new OpenApi(Json.MAPPER.readTree(in));
        }
    }

    /** Every documented operation, as "METHOD /path". */
    Set<String> operations() {
        var out = new TreeSet<String>();
        doc.path("paths").fields().forEachRemaining(p -> p.getValue().fieldNames().forEachRemaining(m -> {
            if (Set.of("get", "post", "put", "patch", "delete").contains(m)) out.add(m.toUpperCase() + " " + p.getKey());
        }));
        return out;
    }

    /** The routes the server registered, as "METHOD /path" (Javalin's {param} is OpenAPI's). */
    static Set<String> routes(ApprenticeServer server) throws Exception {
        var f = ApprenticeServer.class.getDeclaredField("app");
        f.setAccessible(true);
        var app = (Javalin) f.get(server);
        var out = new TreeSet<String>();
        for (var e : app.unsafe.internalRouter.allHttpHandlers()) {
            if (METHODS.contains(e.endpoint.method)) out.add(e.endpoint.method.name() + " " + e.endpoint.path);
        }
        return out;
    }

    JsonNode operation(String method, String template) {
        var op = doc.path("paths").path(template).path(method.toLowerCase());
        assertThat(op.isObject()).as("%s %s is documented", method, template).isTrue();
        return op;
    }

    private JsonNode deref(JsonNode node) {
        while (node.has("$ref")) {
            var ref = node.get("$ref").asText();
            assertThat(ref).startsWith("#/");
            node = doc.at(ref.substring(1));
            assertThat(node.isMissingNode()).as("%s resolves", ref).isFalse();
        }
        return node;
    }

    /** The documented response for a status, or a failed assertion when the status is not documented. */
    JsonNode response(String method, String template, int status) {
        var responses = operation(method, template).path("responses");
        var r = responses.get(String.valueOf(status));
        assertThat(r).as("%s %s documents status %d (it documents %s)", method, template, status, names(responses)).isNotNull();
        return deref(r);
    }

    private static String names(JsonNode o) {
        var out = new TreeSet<String>();
        o.fieldNames().forEachRemaining(out::add);
        return String.join(", ", out);
    }

    /** Checks a real response against the document; returns it for chaining. */
    TestServer.Response check(String method, String template, TestServer.Response r) {
        exercised.add(method + " " + template);
        var documented = response(method, template, r.status());
        var content = documented.path("content");
        var type = r.contentType().split(";")[0].strip();
        if (content.isMissingNode() || content.isEmpty()) {
            assertThat(r.body()).as("%s %s %d has no documented body", method, template, r.status()).isEmpty();
            return r;
        }
        var media = content.get(type);
        assertThat(media).as("%s %s %d documents the media type %s (it documents %s)", method, template, r.status(), type, names(content)).isNotNull();
        if (type.equals("application/json")) {
            validate(media.path("schema"), Json.tree(r.body()), method + " " + template + " " + r.status());
        } else if (type.equals("text/event-stream") && media.has("x-event-data")) {
            for (var data : sseData(r.body())) validate(media.get("x-event-data"), Json.tree(data), method + " " + template + " event");
        }
        return r;
    }

    /** The data of the events that have an id (the stored ones). */
    static java.util.List<String> sseData(String body) {
        var out = new java.util.ArrayList<String>();
        boolean withId = false;
        for (var line : body.split("\n", -1)) {
            if (line.startsWith("id: ")) withId = true;
            else if (line.startsWith("data: ") && withId) out.add(line.substring(6));
            else if (line.isEmpty()) withId = false;
        }
        return out;
    }

    /** Validates {@code instance} against {@code schema}, which may refer to the document's components. */
    void validate(JsonNode schema, JsonNode instance, String what) {
        var key = schema.toString();
        var compiled = schemas.computeIfAbsent(key, k -> {
            ObjectNode root = Json.object().put("$schema", "https://json-schema.org/draft/2020-12/schema");
            root.set("components", doc.get("components"));
            root.putArray("allOf").add(schema);
            return registry.getSchema(root);
        });
        var errors = compiled.validate(instance);
        assertThat(errors).as("%s: %s does not match the documented schema %s", what, instance, schema).isEmpty();
    }

    /** Validates against a named component schema. */
    void validate(String component, JsonNode instance) {
        validate(Json.object().put("$ref", "#/components/schemas/" + component), instance, component);
    }
}
