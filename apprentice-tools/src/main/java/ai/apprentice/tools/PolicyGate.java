package ai.apprentice.tools;

import ai.apprentice.model.ToolCall;
import ai.apprentice.tool.ToolContext;
import ai.apprentice.tool.ToolGate;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The permission policy of a session: rules first (deny wins), then the approval mode. Read-only tools are
 * allowed by default; changes (files, shell, unknown tools) need a rule, a person, or a mode that allows
 * them. In AUTO mode the shell is allowed only inside the sandbox.
 */
public final class PolicyGate implements ToolGate {
    /** Asks a person about one call. */
    @FunctionalInterface
    public interface Approver {
        enum Answer { ONCE, ALWAYS, DENY }

        Answer ask(String tool, String subject, String arguments) throws InterruptedException;
    }

    /**
     * Allowed unless a rule says otherwise: tools that only read, and spawn_agent, whose subagents' own tool
     * calls pass through this same policy.
     */
    static final Set<String> READ_ONLY = Set.of("read_file", "list_files", "search_files", "fetch_url", "use_skill", "recall", "spawn_agent");
    static final Set<String> WORKSPACE_WRITES = Set.of("write_file", "edit_file");
    /** Changes to long-term memory: each is recorded in its history and can be undone by the user. */
    static final Set<String> MEMORY_WRITES = Set.of("remember", "forget");

    private final PermissionRules rules;
    private final ApprovalMode mode;
    private final Approver approver;
    private final boolean sandboxed;
    private final Set<String> alwaysAllowed = ConcurrentHashMap.newKeySet();
    /** Tools allowed unless a rule says otherwise, e.g. an environment's own tools, which act only on its simulated state. */
    private final Set<String> ownTools;
    private final String ownToolsReason;

    public PolicyGate(PermissionRules rules, ApprovalMode mode, Approver approver, boolean sandboxed) {
        this(rules, mode, approver, sandboxed, Set.of(), null);
    }

    private PolicyGate(PermissionRules rules, ApprovalMode mode, Approver approver, boolean sandboxed, Set<String> ownTools,
                       String ownToolsReason) {
        this.ownTools = Set.copyOf(ownTools);
        this.ownToolsReason = ownToolsReason;
        this.rules = rules;
        this.mode = mode == ApprovalMode.ASK && approver == null ? ApprovalMode.AUTO : mode;
        this.approver = approver;
        this.sandboxed = sandboxed;
    }

    public ApprovalMode mode() {
        return mode;
    }

    /**
     * The same policy (rules, mode, approver and this session's "always" answers are not shared) where {@code tools}
     * are allowed by default like read-only ones, for {@code reason}; deny and ask rules still apply to them.
     */
    public PolicyGate allowingByDefault(Set<String> tools, String reason) {
        return new PolicyGate(rules, mode, approver, sandboxed, tools, reason);
    }

    /** What a rule matches against for this call. */
    public static String subject(String tool, JsonNode args) {
        return switch (tool) {
            case "run_shell" -> args.path("command").asText();
            case "fetch_url" -> args.path("url").asText();
            case "read_file", "write_file", "edit_file" -> args.path("path").asText();
            case "list_files", "search_files" -> args.path("path").asText(".");
            default -> args.toString();
        };
    }

    @Override
    public Decision check(ToolCall call, JsonNode args, ToolContext context) throws InterruptedException {
        String tool = call.name();
        String subject = subject(tool, args);
        var rule = rules.match(tool, subject);
        if (rule != null && rule.effect() == PermissionRules.Effect.DENY) return Decision.deny("rule " + rule, "denied by configuration");
        if (rule != null && rule.effect() == PermissionRules.Effect.ALLOW) return Decision.allow("rule " + rule, null);
        if (mode == ApprovalMode.ALL) return Decision.allow("mode all", null);
        boolean mustAsk = rule != null; // an ask rule
        if (!mustAsk && READ_ONLY.contains(tool)) {
            return Decision.allow("default", tool.equals("spawn_agent") ? "subagents follow the same rules" : "read-only tool");
        }
        if (!mustAsk && ownTools.contains(tool)) return Decision.allow("default", ownToolsReason);
        if (!mustAsk && MEMORY_WRITES.contains(tool)) {
            return Decision.allow("default", "memory changes are recorded and can be undone (apprentice memory history)");
        }
        if (mode == ApprovalMode.AUTO) {
            if (mustAsk) return Decision.deny("mode auto", "rule " + rule + " needs a person's approval and none is present");
            if (WORKSPACE_WRITES.contains(tool)) return Decision.allow("mode auto", "writes are confined to the workspace");
            if (tool.equals("run_shell")) {
                return sandboxed ? Decision.allow("mode auto", "runs in the sandbox")
                        : Decision.deny("mode auto", "no OS sandbox is available; add an allow rule for this command or use --approve all");
            }
            return Decision.deny("mode auto", "no rule allows " + tool + "; add one, e.g. allow: " + tool);
        }
        String key = tool.equals("run_shell") ? tool + "\u0000" + subject : tool;
        if (alwaysAllowed.contains(key)) return Decision.allow("user (always this session)", null);
        var answer = approver.ask(tool, subject, args.toString());
        return switch (answer) {
            case ONCE -> Decision.allow("user (once)", null);
            case ALWAYS -> {
                alwaysAllowed.add(key);
                yield Decision.allow("user (always this session)", null);
            }
            case DENY -> Decision.deny("user", "the user declined");
        };
    }
}
