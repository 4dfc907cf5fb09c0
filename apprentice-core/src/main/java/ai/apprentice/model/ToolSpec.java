package ai.apprentice.model;

import com.fasterxml.jackson.databind.JsonNode;

/** What a model is told about a tool: its name, what it does, and the JSON schema of its arguments. */
public record ToolSpec(String name, String description, JsonNode parameters) {}
