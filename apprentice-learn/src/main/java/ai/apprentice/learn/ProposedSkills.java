package ai.apprentice.learn;

import ai.apprentice.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * A skill a reflector proposed ({@code {"name", "description", "body"}}), written as a SKILL.md in a private staging
 * folder of its own. The name follows the Agent Skills rules (lowercase letters, digits and hyphens, at most 64), so
 * it can never name a path; description and body have bounded sizes.
 */
final class ProposedSkills {
    static final Pattern NAME = Pattern.compile("[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?");
    static final int MAX_DESCRIPTION = 1024;
    static final int MAX_BODY = 20_000;

    private ProposedSkills() {}

    /** The staged skill folder, or an {@link IllegalArgumentException} saying what is wrong with the proposal. */
    static Path stage(JsonNode skill) {
        if (!skill.isObject()) throw new IllegalArgumentException("\"skill\" is not an object");
        String name = text(skill, "name");
        String description = text(skill, "description");
        String body = skill.path("body").isTextual() ? skill.get("body").asText().strip() : "";
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("the skill name '" + name + "' is not lowercase letters, digits and hyphens (at most 64)");
        }
        if (description.length() > MAX_DESCRIPTION) throw new IllegalArgumentException("the skill's description is over " + MAX_DESCRIPTION + " characters");
        if (body.length() > MAX_BODY) throw new IllegalArgumentException("the skill's body is over " + MAX_BODY + " characters");
        try {
            var dir = Files.createTempDirectory("apprentice-proposed-skill-").resolve(name);
            Files.createDirectories(dir);
            // JSON strings are YAML double-quoted scalars: no description can break out of the front matter.
            Files.writeString(dir.resolve("SKILL.md"), "---\nname: " + name + "\ndescription: " + Json.MAPPER.writeValueAsString(description)
                    + "\n---\n" + (body.isEmpty() ? description : body) + "\n");
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot stage the proposed skill " + name + ": " + e.getMessage(), e);
        }
    }

    private static String text(JsonNode node, String field) {
        var v = node.path(field);
        if (!v.isTextual() || v.asText().isBlank()) throw new IllegalArgumentException("the skill has no \"" + field + "\"");
        return v.asText().strip().replaceAll("\\s+", " ");
    }
}
