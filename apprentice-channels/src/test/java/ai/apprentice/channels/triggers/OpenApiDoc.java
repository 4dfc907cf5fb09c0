package ai.apprentice.channels.triggers;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.json.Json;
import ai.apprentice.server.ApprenticeServer;
import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.InputStream;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The server's OpenAPI document as a checker of the triggers' real responses: each status must be documented for its
 * operation and each JSON body must validate (JSON Schema 2020-12) against the documented schema.
 */
final class OpenApiDoc {
    final JsonNode doc;
    final Set<String> exercised = ConcurrentHashMap.newKeySet();
    private final SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);

    OpenApiDoc() throws Exception {
        try (InputStream in = ApprenticeServer.class.getResourceAsStream("openapi.json")) {
            doc = Json.MAPPER.readTree(in);
        }
    }

    /** Operations the document marks as served by the triggers extension, as "METHOD /path". */
    Set<String> triggerOperations() {
        var out = new TreeSet<String>();
        doc.path("paths").fields().forEachRemaining(p -> p.getValue().fields().forEachRemaining(m -> {
            if (m.getValue().path("x-extension").asText().equals("triggers")) out.add(m.getKey().toUpperCase() + " " + p.getKey());
        }));
        return out;
    }

    TriggerServer.Response check(String method, String template, TriggerServer.Response r) {
        exercised.add(method + " " + template);
        var op = doc.path("paths").path(template).path(method.toLowerCase());
        assertThat(op.isObject()).as("%s %s is documented", method, template).isTrue();
        var documented = op.path("responses").get(String.valueOf(r.status()));
        assertThat(documented).as("%s %s documents status %d (%s)", method, template, r.status(), r.body()).isNotNull();
        while (documented.has("$ref")) documented = doc.at(documented.get("$ref").asText().substring(1));
        var schema = documented.path("content").path("application/json").path("schema");
        assertThat(schema.isMissingNode()).as("%s %s %d has a JSON body", method, template, r.status()).isFalse();
        var root = Json.object().put("$schema", "https://json-schema.org/draft/2020-12/schema");
        root.set("components", doc.get("components"));
        root.putArray("allOf").add(schema);
        var errors = registry.getSchema(root).validate(Json.tree(r.body()));
        assertThat(errors).as("%s %s %d: %s does not match %s", method, template, r.status(), r.body(), schema).isEmpty();
        return r;
    }
}
