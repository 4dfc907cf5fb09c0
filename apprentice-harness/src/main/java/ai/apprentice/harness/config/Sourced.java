package ai.apprentice.harness.config;

/** A configuration value and where it came from: a file and line, an environment variable, a flag, or the default. */
public record Sourced(Object value, String source) {}
