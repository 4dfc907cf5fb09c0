package ai.apprentice.skills;

import ai.apprentice.json.Json;
import ai.apprentice.runtime.Agent;
import ai.apprentice.runtime.Event;
import ai.apprentice.runtime.RunIds;
import ai.apprentice.runtime.RunResult;
import ai.apprentice.runtime.RunSnapshot;
import ai.apprentice.runtime.RunStatus;
import ai.apprentice.tool.Tool;
import ai.apprentice.tool.ToolContext;
import ai.apprentice.tool.ToolResult;
import ai.apprentice.tool.Tools;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code spawn_agent(instructions, output_path, input_paths?, skill?, model?, max_steps?)}: starts a subagent
 * with its own context that reads the input files and writes its result to the output file, and returns
 * the output path and a short status, never the content. Subagents are runs linked to their parent; calls
 * in one step run in parallel (the loop's parallel tool calls); cancelling the parent cancels them.
 * Finished steps are remembered in {@link WorkflowState}, which makes workflows resumable and editable. A child's id
 * names the call ({@link RunIds#child}): a rerun of the call (a resumed parent, an engine's retry) returns the result of
 * the child it started, or resumes that child, rather than starting it over.
 */
public final class SpawnAgentTool {
    /** Builds the agent for a subagent. */
    @FunctionalInterface
    public interface Factory {
        /**
         * @param model the model to use, or null for the parent's
         * @param instructions the subagent's system instructions
         * @param maxSteps its step budget, already within the parent's remaining steps
         * @param allowedTools when not empty, the only tools it may use (a skill's allowed-tools are not this: they are
         *                     pre-approvals, in force through {@link SkillCatalog#activate} for the subagent's run)
         * @param parent the parent's tool context: what the parent may still spend, to carve the child's budget from
         */
        Agent create(String model, String instructions, int maxSteps, List<String> allowedTools, ToolContext parent);

        /**
         * The stored events of run {@code runId}, empty when there is no such run (or no store): a rerun of a spawn_agent
         * call (an engine's retry, a resumed parent) finds the child it started by its id and does not start it over.
         */
        default List<Event> events(String runId) {
            return List.of();
        }

        /** {@code text} as the store keeps it in events (redacted), to compare a call's task with a stored child's. */
        default String asStored(String text) {
            return text;
        }
    }

    public static final int DEFAULT_MAX_STEPS = 20;
    public static final int MAX_DEPTH = 3;
    static final String INSTRUCTIONS = "You are a subagent. You get a task, input files to read and one output file to write. "
            + "Read the inputs with read_file, write your complete result to the output file with write_file, then reply "
            + "with one short line saying what you wrote. Do not paste the result into your reply.";

    private final Path workspace;
    private final SkillCatalog skills;
    private final Factory factory;
    private final WorkflowState state;
    private final Map<String, Integer> depthOfRun;

    public SpawnAgentTool(Path workspace, SkillCatalog skills, Factory factory) {
        this(workspace, skills, factory, new ConcurrentHashMap<>());
    }

    /** With {@code depths} shared by every spawn_agent of a session, so that nesting is bounded across agents. */
    public SpawnAgentTool(Path workspace, SkillCatalog skills, Factory factory, Map<String, Integer> depths) {
        this.workspace = workspace.toAbsolutePath().normalize();
        this.skills = skills;
        this.factory = factory;
        this.state = new WorkflowState(this.workspace);
        this.depthOfRun = depths;
    }

    public Tool tool() {
        return Tools.builder("spawn_agent")
                .description("Start a subagent with its own context for one piece of work: it reads input_paths, follows "
                        + "instructions (and a skill, if named), and writes output_path. Returns the output path and a status, "
                        + "not the content. Several spawn_agent calls in one reply run in parallel. A step whose output exists "
                        + "and whose inputs did not change is not run again.")
                .schema(Json.tree("""
                        {"type":"object","properties":{
                          "instructions":{"type":"string","description":"what the subagent should do"},
                          "output_path":{"type":"string","description":"workspace file the subagent must write"},
                          "input_paths":{"type":"array","items":{"type":"string"},"description":"workspace files it should read"},
                          "skill":{"type":"string","description":"a skill for the subagent to follow"},
                          "model":{"type":"string","description":"PROVIDER:MODEL for the subagent (default: yours); small models for simple work"},
                          "max_steps":{"type":"integer","minimum":1,"description":"its step budget"}},
                         "required":["instructions","output_path"],"additionalProperties":false}"""))
                .execute(this::spawn);
    }

    private ToolResult spawn(JsonNode args, ToolContext ctx) throws Exception {
        String parentRun = ctx == null ? null : ctx.runId();
        int depth = parentRun == null ? 0 : depthOfRun.getOrDefault(parentRun, 0);
        if (depth >= MAX_DEPTH) {
            return ToolResult.error("Subagents may nest at most " + MAX_DEPTH + " deep; do this step yourself instead of spawning.");
        }
        String instructions = args.get("instructions").asText();
        String output = args.get("output_path").asText();
        Path outputFile = inside(output);
        if (outputFile == null) return ToolResult.error("output_path '" + output + "' must be a file inside the workspace");
        var inputHashes = new LinkedHashMap<String, String>();
        var missing = new ArrayList<String>();
        for (var in : args.path("input_paths")) {
            Path p = inside(in.asText());
            if (p == null || !Files.isRegularFile(p)) missing.add(in.asText());
            else inputHashes.put(in.asText(), WorkflowState.hashFile(p));
        }
        if (!missing.isEmpty()) return ToolResult.error("These input files do not exist in the workspace: " + String.join(", ", missing));
        Skill skill = null;
        if (args.hasNonNull("skill")) {
            skill = skills.get(args.get("skill").asText()).orElse(null);
            if (skill == null) {
                return ToolResult.error("No skill named '" + args.get("skill").asText() + "'. Available: "
                        + String.join(", ", skills.skills().stream().map(Skill::name).toList()));
            }
        }
        String stepHash = WorkflowState.stepHash(instructions, skill == null ? null : skill.name(), inputHashes);
        switch (state.decide(output, outputFile, stepHash)) {
            case SKIP_DONE -> {
                return ToolResult.ok("output: " + output + " (already done with the same inputs; not run again)");
            }
            case SKIP_EDITED_OUTPUT -> {
                state.record(output, stepHash, inputHashes, WorkflowState.hashFile(outputFile), "person", true);
                return ToolResult.ok("output: " + output + " was edited by a person since it was written; kept as edited, not run again");
            }
            case RUN -> { }
        }
        var editedInputs = state.changedInputs(output, inputHashes);
        var childInstructions = new StringBuilder(INSTRUCTIONS);
        if (skill != null) childInstructions.append("\n\nFollow this skill (").append(skill.name()).append("):\n\n").append(skill.body());
        var task = new StringBuilder(instructions);
        if (!inputHashes.isEmpty()) task.append("\n\nInput files: ").append(String.join(", ", inputHashes.keySet()));
        task.append("\nOutput file: ").append(output);
        // The child's steps come out of the parent's: it may not run longer than the parent could.
        var context = ctx != null ? ctx : new ToolContext(null, 0, workspace);
        int maxSteps = Math.max(1, Math.min(args.path("max_steps").asInt(DEFAULT_MAX_STEPS), context.remainingSteps()));
        // Named by the call, so that a rerun of this call finds the child it started (see Factory#events).
        String childRun = parentRun == null ? RunIds.next() : RunIds.child(parentRun, context.step(), context.call());
        var stored = factory.events(childRun);
        var snapshot = stored.isEmpty() ? null : RunSnapshot.fromEvents(stored);
        if (snapshot != null && (!snapshot.task().equals(factory.asStored(task.toString()))
                || snapshot.finished() != null && editedSince(inputHashes.keySet(), snapshot.finished().at()))) {
            // this call asks for other work than the stored child did (in process, a resumed step asks its model again),
            // or a person edited its inputs since that child finished: its result is not this call's
            childRun = RunIds.next();
            snapshot = null;
        }
        if (depthOfRun.putIfAbsent(childRun, depth + 1) != null) {
            return ToolResult.error("subagent run " + childRun + " of this call is still running");
        }
        RunResult result = snapshot == null ? null : settled(stored);
        try {
            if (result != null) {
                // its spending counts again, as a resumed child's does: the parent's totals were rebuilt without it
                context.spending().charge(snapshot.usage(), snapshot.costUsd());
            } else {
                var agent = factory.create(args.hasNonNull("model") ? args.get("model").asText() : null, childInstructions.toString(),
                        maxSteps, List.of(), context);
                if (skill != null) skills.activate(childRun, skill);
                // Not finished: its process died, or it was stopped with its parent; it goes on from its last completed step.
                var handle = snapshot == null ? agent.startChild(childRun, task.toString(), context) : agent.resumeChild(snapshot, context);
                try {
                    result = handle.await();
                } catch (InterruptedException e) {
                    handle.cancel(); // the parent was cancelled: so is its subagent
                    // its end recorded before the parent's, so that a resumed parent finds it settled
                    try {
                        handle.future().get(10, java.util.concurrent.TimeUnit.SECONDS);
                    } catch (Exception ignored) {
                        // it ends on its own
                    }
                    throw e;
                }
            }
        } finally {
            depthOfRun.remove(childRun);
            skills.deactivate(childRun);
        }
        if (result.status() != RunStatus.SUCCEEDED) {
            return ToolResult.error("subagent run " + childRun + " " + result.status().wireName() + " (" + result.stopReason() + ")"
                    + (result.error() == null ? "" : ": " + result.error()));
        }
        if (!Files.isRegularFile(outputFile)) {
            return ToolResult.error("subagent run " + childRun + " finished without writing " + output + "; its reply: "
                    + oneLine(result.answer()));
        }
        state.record(output, stepHash, inputHashes, WorkflowState.hashFile(outputFile), childRun, false);
        return ToolResult.ok("output: " + output + " (" + Files.size(outputFile) + " bytes) by subagent run " + childRun + ": "
                + oneLine(result.answer()) + (editedInputs.isEmpty() ? "" : "\nnote: a person edited " + String.join(", ", editedInputs)
                + " since the last run; this step ran again from the edited version"));
    }

    /** Whether any of these workspace files changed after {@code at}. */
    private boolean editedSince(java.util.Collection<String> inputs, java.time.Instant at) throws java.io.IOException {
        for (var in : inputs) {
            if (Files.getLastModifiedTime(inside(in)).toInstant().isAfter(at)) return true;
        }
        return false;
    }

    /**
     * The result of a child that ended before this call was run again, or null when it is to go on: one that never
     * ended, or was cancelled or interrupted with its parent (which cancels it when it is stopped), is resumed with it.
     */
    private static RunResult settled(List<Event> events) {
        var done = ai.apprentice.runtime.StepDriver.finished(events);
        return done == null || done.status() == RunStatus.CANCELLED || done.status() == RunStatus.INTERRUPTED ? null : done;
    }

    private Path inside(String given) {
        var p = workspace.resolve(given).normalize();
        return p.startsWith(workspace) && !p.equals(workspace) ? p : null;
    }

    private static String oneLine(String s) {
        if (s == null) return "";
        var line = s.strip().lines().findFirst().orElse("");
        return line.length() > 200 ? line.substring(0, 200) + "…" : line;
    }
}
