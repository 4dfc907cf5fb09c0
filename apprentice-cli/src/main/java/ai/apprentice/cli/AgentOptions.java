package ai.apprentice.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** Options shared by every command that runs an agent. Only options the user gave become config flags. */
final class AgentOptions {
    @Option(names = {"-m", "--model"}, paramLabel = "PROVIDER:MODEL",
            description = "Model to use, e.g. openai:gpt-4.1-mini, anthropic:claude-sonnet-4-5, ollama:qwen2.5, local:qwen2.5-1.5b-instruct, local:FILE.gguf, scripted:FILE. Default: config, else a running Ollama, else the local model.")
    String model;

    @Option(names = "--base-url", paramLabel = "URL", description = "Base URL of an OpenAI-compatible or Anthropic endpoint.")
    String baseUrl;

    @Option(names = {"-w", "--workspace"}, paramLabel = "DIR", description = "Directory the agent works in (default: current).")
    Path workspace;

    @Option(names = "--max-steps", paramLabel = "N", description = "Most model calls in one run (default 50).")
    Integer maxSteps;

    @Option(names = "--max-tokens", paramLabel = "N", description = "Most tokens (input + output) in one run.")
    Long maxTokens;

    @Option(names = "--max-cost", paramLabel = "USD", description = "Most money one run may spend, in US dollars.")
    Double maxCost;

    @Option(names = "--timeout", paramLabel = "DURATION", description = "Wall-clock limit, e.g. 90s, 5m, 1h.")
    String timeout;

    @Option(names = "--tool-mode", paramLabel = "MODE", description = "native (default) or text (ReAct text for models without tool calling).")
    String toolMode;

    @Option(names = "--approve", paramLabel = "MODE",
            description = "Who approves tool calls no rule settles: ask (default on a terminal), auto (rules and sandbox decide), all.")
    String approve;

    @Option(names = "--yes", description = "Download the local model without asking if it is needed and missing.")
    boolean yes;

    @Option(names = "--trust-workspace", description = "Trust the workspace's .apprentice/config.yaml as it is now: its security "
            + "settings (approve, sandbox, shell network and pass_env, allow rules, MCP servers, base_url) take effect until it changes; "
            + "so do the allowed-tools of the skills in its .claude/skills (.agents/, .codex/, .apprentice/), each until its SKILL.md changes.")
    boolean trustWorkspace;

    Path workspaceOrCwd() {
        return (workspace == null ? Path.of("") : workspace).toAbsolutePath().normalize();
    }

    Map<String, Object> flags() {
        var f = new LinkedHashMap<String, Object>();
        put(f, "model", model);
        put(f, "base_url", baseUrl);
        put(f, "max_steps", maxSteps);
        put(f, "max_tokens", maxTokens);
        put(f, "max_cost_usd", maxCost);
        put(f, "timeout", timeout);
        put(f, "tool_mode", toolMode);
        put(f, "approve", approve);
        if (yes) f.put("local.auto_pull", true);
        return f;
    }

    private static void put(Map<String, Object> f, String key, Object value) {
        if (value != null) f.put(key, value);
    }
}
