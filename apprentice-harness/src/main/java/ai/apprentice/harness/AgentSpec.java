package ai.apprentice.harness;

import ai.apprentice.tool.Tool;
import java.util.List;

/**
 * What differs between the agents of one session: the standard agent people run, an evaluation's agent (the
 * environment's policy and tools), a subagent. Everything else (model and its parameters, rules and approval,
 * tool mode, context window, budgets, project instructions, prices, the run store) comes from the session's
 * settings, the same for all of them.
 *
 * @param instructions the agent's own instructions, or null for the standard ones ({@link Harness#INSTRUCTIONS});
 *                     project instruction files and the skills index are added after them either way
 * @param tools        tools besides (or, without {@code workspaceTools}, instead of) the workspace's
 * @param workspaceTools the file tools, shell, fetch and MCP tools of the workspace
 * @param skills       the skills index and use_skill
 * @param memory       memory tools, and recall of memories into each run's context
 * @param extractMemories after a successful top-level run, let the model pick what to remember from it
 * @param spawn        spawn_agent (subagents)
 * @param allowedTools when not empty, the only tools (a skill's allowed-tools; aliases such as Bash count)
 * @param maxSteps     the step budget, or null for the settings'
 * @param model        a model for this agent other than the session's (subagents), or null
 * @param environment  the environment whose agent this is, or null: which lessons of the playbook apply (an
 *                     environment's agent gets that environment's; the others the user's and the workspace's)
 */
public record AgentSpec(String instructions, List<Tool> tools, boolean workspaceTools, boolean skills, boolean memory,
                        boolean extractMemories, boolean spawn, List<String> allowedTools, Integer maxSteps, String model,
                        String environment) {
    public AgentSpec {
        tools = tools == null ? List.of() : List.copyOf(tools);
        allowedTools = allowedTools == null ? List.of() : List.copyOf(allowedTools);
    }

    /** The agent of {@code apprentice run}: everything on. */
    public static AgentSpec standard() {
        return new AgentSpec(null, List.of(), true, true, true, true, true, List.of(), null, null, null);
    }

    /**
     * An environment's agent: its policy as instructions and only its tools (so that tau-bench scores compare with
     * published ones); skills and memory as the evaluation asks.
     */
    public static AgentSpec environment(String environment, String policy, List<Tool> tools, int maxSteps, boolean skills, boolean memory) {
        return new AgentSpec(policy, tools, false, skills, memory, false, false, List.of(), maxSteps, null, environment);
    }

    /** A subagent: the session's tools and skills, its own instructions, model and step budget. */
    public static AgentSpec subagent(String instructions, String model, Integer maxSteps, List<String> allowedTools) {
        return new AgentSpec(instructions, List.of(), true, true, true, false, true, allowedTools, maxSteps, model, null);
    }

    public AgentSpec withExtractMemories(boolean on) {
        return new AgentSpec(instructions, tools, workspaceTools, skills, memory, on, spawn, allowedTools, maxSteps, model, environment);
    }

    public AgentSpec withMemory(boolean on) {
        return new AgentSpec(instructions, tools, workspaceTools, skills, on, extractMemories, spawn, allowedTools, maxSteps, model, environment);
    }

    public AgentSpec withTools(List<Tool> more) {
        return new AgentSpec(instructions, more, workspaceTools, skills, memory, extractMemories, spawn, allowedTools, maxSteps, model, environment);
    }

    public AgentSpec withInstructions(String text) {
        return new AgentSpec(text, tools, workspaceTools, skills, memory, extractMemories, spawn, allowedTools, maxSteps, model, environment);
    }
}
