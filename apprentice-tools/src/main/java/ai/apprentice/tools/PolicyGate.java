package ai.apprentice.tools;

import ai.apprentice.model.ToolCall;
import ai.apprentice.tool.ToolContext;
import ai.apprentice.tool.ToolGate;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The permission policy of a session: rules first (deny wins), then the approval mode. Read-only tools are
 * allowed by default; changes (files, shell, unknown tools) need a rule, a person, or a mode that allows
 * them. In AUTO mode the shell is allowed only inside the sandbox.
 *
 * <p>Rules see normalised subjects, split into parts: each command of a shell line, a file's path as given
 * and (when a link makes it differ) its real path. A deny rule matching any part denies the call; an allow
 * rule allows it only when every part is allowed by a rule. {@code write_file} and {@code edit_file} rules
 * apply to both tools, and a {@code read_file} deny also denies {@code edit_file} and hides files from
 * {@code list_files} and {@code search_files} (through {@link #readable}). Once a run has read a file that
 * looks secret, {@code fetch_url} needs an allow rule (AUTO) or a person (ASK) for the rest of that run.
 */
public final class PolicyGate implements ToolGate {
    /** Asks a person about one call. */
    @FunctionalInterface
    public interface Approver {
        enum Answer { ONCE, ALWAYS, DENY }

        Answer ask(String tool, String subject, String arguments) throws InterruptedException;

        /**
         * An answer with the person's reason, which the model is told with a denial (an approver that takes reasons
         * overrides this), and who answered ({@code slack:U123}; null when the approver cannot tell), which the
         * permission event records.
         */
        record Verdict(Answer answer, String reason, String by) {
            public Verdict(Answer answer, String reason) {
                this(answer, reason, null);
            }
        }

        default Verdict decide(String tool, String subject, String arguments) throws InterruptedException {
            return new Verdict(ask(tool, subject, arguments), null);
        }

        /**
         * Whether a person answered ALWAYS to this call's key ({@link PolicyGate#alwaysKey}) earlier in the session, where the
         * gate cannot remember it itself: an engine builds a new gate for each part of a run, and keeps the answers.
         * The gate consults it where it consults its own memory, so the same limits apply (a secret read still asks).
         */
        default boolean alwaysAllowed(String key) {
            return false;
        }
    }

    /** What an ALWAYS answer covers: the tool, and for {@code run_shell} the command line too. */
    public static String alwaysKey(String tool, String subject) {
        return tool.equals("run_shell") ? tool + "\u0000" + subject : tool;
    }

    /**
     * Allowed unless a rule says otherwise: tools that only read, and spawn_agent, whose subagents' own tool
     * calls pass through this same policy.
     */
    static final Set<String> READ_ONLY = Set.of("read_file", "list_files", "search_files", "fetch_url", "use_skill", "recall", "spawn_agent");
    static final Set<String> WORKSPACE_WRITES = Set.of("write_file", "edit_file");
    /** Changes to long-term memory: each is recorded in its history and can be undone by the user. */
    static final Set<String> MEMORY_WRITES = Set.of("remember", "forget");

    /** Names of files that usually hold secrets: reading one limits fetch_url for the rest of the run. */
    private static final Pattern SECRET_NAME = Pattern.compile(
            "(?i)\\.env.*|.*\\.(pem|key|p12|pfx|jks|keystore)|id_(rsa|dsa|ecdsa|ed25519).*|\\.netrc|\\.pgpass|\\.npmrc|\\.pypirc"
                    + "|.*credentials.*|secrets?(\\..*)?");
    private static final Pattern ASSIGNMENT = Pattern.compile("^(?:[A-Za-z_][A-Za-z0-9_]*=\\S* )+");

    /**
     * What a skill in use pre-approves (its {@code allowed-tools}, as allow rules in our tool names), granted by
     * {@code by} (e.g. {@code skill NAME}). A grant only stands in for a person's "yes": see {@link #grantCovers}.
     */
    public record Grant(String by, PermissionRules rules) {}

    /** The grant in force for a run, or null. */
    @FunctionalInterface
    public interface Grants {
        Grants NONE = runId -> null;

        Grant of(String runId);
    }

    /** One normalised subject; {@code denyForms} are other spellings of it that only deny rules are matched against. */
    record Part(String text, List<String> denyForms) {}

    /** The parts of a call's subject; not reliable when a shell line could not be split with confidence. */
    record Subject(List<Part> parts, boolean reliable) {}

    private final PermissionRules rules;
    private final ApprovalMode mode;
    private final Approver approver;
    private final boolean sandboxed;
    /** The workspace paths are normalised against; null to use the tool context's. */
    private final Path workspace;
    private final Set<String> alwaysAllowed = ConcurrentHashMap.newKeySet();
    /** Runs that have read a secret-looking file, with that file (per-run state; runs are few per session). */
    private final Map<String, String> secretReads = new ConcurrentHashMap<>();
    /** Tools allowed unless a rule says otherwise, e.g. an environment's own tools, which act only on its simulated state. */
    private final Set<String> ownTools;
    private final String ownToolsReason;
    private final Grants grants;

    public PolicyGate(PermissionRules rules, ApprovalMode mode, Approver approver, boolean sandboxed) {
        this(rules, mode, approver, sandboxed, null);
    }

    /** A policy whose file rules are matched on paths normalised against {@code workspace}. */
    public PolicyGate(PermissionRules rules, ApprovalMode mode, Approver approver, boolean sandboxed, Path workspace) {
        this(rules, mode, approver, sandboxed, workspace, Set.of(), null, Grants.NONE);
    }

    private PolicyGate(PermissionRules rules, ApprovalMode mode, Approver approver, boolean sandboxed, Path workspace,
                       Set<String> ownTools, String ownToolsReason, Grants grants) {
        this.grants = grants;
        this.ownTools = Set.copyOf(ownTools);
        this.ownToolsReason = ownToolsReason;
        this.rules = rules;
        this.mode = mode == ApprovalMode.ASK && approver == null ? ApprovalMode.AUTO : mode;
        this.approver = approver;
        this.sandboxed = sandboxed;
        this.workspace = workspace;
    }

    public ApprovalMode mode() {
        return mode;
    }

    /**
     * The same policy (rules, mode, approver and this session's "always" answers are not shared) where {@code tools}
     * are allowed by default like read-only ones, for {@code reason}; deny and ask rules still apply to them.
     */
    public PolicyGate allowingByDefault(Set<String> tools, String reason) {
        return new PolicyGate(rules, mode, approver, sandboxed, workspace, tools, reason, grants);
    }

    /** The same policy (not sharing "always" answers) where {@code grants} may stand in for a person's approval. */
    public PolicyGate withGrants(Grants grants) {
        return new PolicyGate(rules, mode, approver, sandboxed, workspace, ownTools, ownToolsReason, java.util.Objects.requireNonNull(grants));
    }

    /** What a rule matches against for this call, as given (before normalisation). */
    public static String subject(String tool, JsonNode args) {
        return switch (tool) {
            case "run_shell" -> args.path("command").asText();
            case "fetch_url" -> args.path("url").asText();
            case "read_file", "write_file", "edit_file" -> args.path("path").asText();
            case "list_files", "search_files" -> args.path("path").asText(".");
            default -> args.toString();
        };
    }

    /**
     * Whether a file may be shown by listing and searching tools: false when a {@code read_file} deny rule (or, in
     * AUTO mode, an ask rule nobody can answer) covers it. {@code path} is relative to the workspace or absolute.
     */
    public boolean readable(String path) {
        for (var part : pathParts(path, workspace)) {
            for (var form : forms(part)) {
                var r = rules.match("read_file", form);
                if (r != null && (r.effect() == PermissionRules.Effect.DENY || (r.effect() == PermissionRules.Effect.ASK && mode == ApprovalMode.AUTO))) {
                    return false;
                }
            }
        }
        return true;
    }

    @Override
    public Decision check(ToolCall call, JsonNode args, ToolContext context) throws InterruptedException {
        String runId = runId(context);
        Path root = root(context);
        var decision = decide(call.name(), args, root, runId);
        if (decision.allowed()) noteSecretRead(call.name(), args, root, runId);
        return decision;
    }

    /**
     * A call allowed earlier in the run, in another process or before a restart: a secret it read limits fetch_url here too.
     * Told of every allowed call at every part of a run on an engine, so only the calls that can read a file are parsed,
     * and none once the run is known to have read a secret.
     */
    @Override
    public void allowedBefore(ToolCall call, ToolContext context) {
        String runId = runId(context);
        if (!FILE_READERS.contains(call.name()) || secretReads.containsKey(runId)) return;
        JsonNode args;
        try {
            args = ai.apprentice.json.Json.MAPPER.readTree(call.arguments() == null || call.arguments().isBlank() ? "{}" : call.arguments());
        } catch (IOException e) {
            return; // arguments that never parsed were never run
        }
        noteSecretRead(call.name(), args, root(context), runId);
    }

    /** The tools {@link #noteSecretRead} looks at. */
    private static final Set<String> FILE_READERS = Set.of("read_file", "edit_file", "run_shell");

    private static String runId(ToolContext context) {
        return context == null || context.runId() == null ? "" : context.runId();
    }

    private Path root(ToolContext context) {
        return workspace != null ? workspace : context == null ? null : context.workspace();
    }

    /**
     * A call of a tool that must not run twice started before a crash and its result was never stored: in ask mode the
     * person is asked again (an "always" answer does not cover this); otherwise nobody is there to ask, and it is refused.
     */
    @Override
    public Decision recheck(ToolCall call, JsonNode args, ToolContext context) throws InterruptedException {
        String why = call.name() + " started before a crash and its result was never stored; it must not run twice";
        if (mode != ApprovalMode.ASK) return Decision.deny("not_twice", why + ", and in " + mode.name().toLowerCase(java.util.Locale.ROOT)
                + " mode nobody is asked");
        var verdict = approver.decide(call.name(), "again after a crash: " + subject(call.name(), args), args.toString());
        var who = verdict.by() == null || verdict.by().isBlank() ? "user" : "user " + verdict.by().strip();
        return verdict.answer() == Approver.Answer.DENY ? Decision.deny(who, why + "; the user declined to run it again")
                : Decision.allow(who + " (once, again after a crash)", null);
    }

    private Decision decide(String tool, JsonNode args, Path root, String runId) throws InterruptedException {
        String subject = subject(tool, args);
        var parts = parts(tool, subject, root);
        PermissionRules.Rule ask = null;
        var allowedBy = new ArrayList<PermissionRules.Rule>();
        for (var part : parts.parts()) {
            var rule = decidingRule(tool, part);
            if (rule == null) continue;
            switch (rule.effect()) {
                case DENY -> {
                    return Decision.deny("rule " + rule, "denied by configuration"
                            + (parts.parts().size() > 1 ? " (for '" + part.text() + "')" : ""));
                }
                case ALLOW -> allowedBy.add(rule);
                case ASK -> ask = ask == null ? rule : ask;
            }
        }
        boolean allAllowed = parts.reliable() && allowedBy.size() == parts.parts().size();
        if (allAllowed) return Decision.allow("rule " + allowedBy.getFirst(), null);
        if (mode == ApprovalMode.ALL) return Decision.allow("mode all", null);
        String secret = tool.equals("fetch_url") ? secretReads.get(runId) : null;
        boolean mustAsk = ask != null || secret != null;
        if (!mustAsk && READ_ONLY.contains(tool)) {
            return Decision.allow("default", tool.equals("spawn_agent") ? "subagents follow the same rules" : "read-only tool");
        }
        if (!mustAsk && ownTools.contains(tool)) return Decision.allow("default", ownToolsReason);
        if (!mustAsk && MEMORY_WRITES.contains(tool)) {
            return Decision.allow("default", "memory changes are recorded and can be undone (apprentice memory history)");
        }
        if (mode == ApprovalMode.AUTO) {
            if (ask != null) return Decision.deny("mode auto", "rule " + ask + " needs a person's approval and none is present");
            if (secret != null) {
                return Decision.deny("mode auto", "this run read '" + secret + "', which looks secret, so fetch_url is limited to URLs "
                        + "an allow rule names for the rest of the run (protection against sending secrets out); "
                        + "to allow a site add e.g. allow: fetch_url(https://docs.example.com/*)");
            }
            if (WORKSPACE_WRITES.contains(tool)) return Decision.allow("mode auto", "writes are confined to the workspace");
            if (tool.equals("run_shell")) {
                if (sandboxed) return Decision.allow("mode auto", "runs in the sandbox");
                return Decision.deny("mode auto", "no OS sandbox is available; "
                        + (parts.reliable() ? "add an allow rule for " + (parts.parts().size() > 1 ? "each command of this line" : "this command")
                        : "this command line could not be split into simple commands (unbalanced quotes, heredoc, ...), so no allow rule covers it;")
                        + " or use --approve all");
            }
            return Decision.deny("mode auto", "no rule allows " + tool + "; add one, e.g. allow: " + tool);
        }
        var grant = mustAsk ? null : grants.of(runId);
        if (grant != null && grantCovers(grant, tool, parts)) {
            return Decision.allow(grant.by(), "pre-approved by its allowed-tools while it is in use");
        }
        String key = alwaysKey(tool, subject);
        if (secret == null && (alwaysAllowed.contains(key) || approver.alwaysAllowed(key))) return Decision.allow("user (always this session)", null);
        var verdict = approver.decide(tool, subject, args.toString());
        var who = verdict.by() == null || verdict.by().isBlank() ? "user" : "user " + verdict.by().strip();
        return switch (verdict.answer()) {
            case ONCE -> Decision.allow(who + " (once)", null);
            case ALWAYS -> {
                if (secret == null) alwaysAllowed.add(key);
                yield Decision.allow(who + " (always this session)", null);
            }
            case DENY -> Decision.deny(who, "the user declined"
                    + (verdict.reason() == null || verdict.reason().isBlank() ? "" : ": " + verdict.reason().strip()));
        };
    }

    /**
     * Whether {@code grant} pre-approves the call. A skill's text is not the user's word, so a grant only
     * replaces the question to a person (ASK mode): deny and ask rules, the secret-read limit and AUTO mode's refusals
     * come first and stay. Every part must be covered (each command of a shell line, {@code echo; uname} is two), and a
     * shell line that cannot be split reliably is never covered. Shell commands are pre-approved only inside the OS
     * sandbox: a command prefix such as {@code git:*} still lets arguments run code ({@code git -c alias...}).
     */
    private boolean grantCovers(Grant grant, String tool, Subject parts) {
        if (tool.equals("run_shell") && !sandboxed) return false;
        if (!parts.reliable()) return false;
        var asTools = WORKSPACE_WRITES.contains(tool) ? List.of("write_file", "edit_file") : List.of(tool);
        for (var part : parts.parts()) {
            boolean covered = false;
            for (var t : asTools) {
                var r = grant.rules().match(t, part.text());
                if (r != null && r.effect() == PermissionRules.Effect.ALLOW) covered = true;
            }
            if (!covered) return false;
        }
        return true;
    }

    /** The rule that decides one part: deny over allow over ask, across the rules that apply to the tool. */
    private PermissionRules.Rule decidingRule(String tool, Part part) {
        PermissionRules.Rule allow = null, ask = null;
        var asTools = WORKSPACE_WRITES.contains(tool) ? List.of("write_file", "edit_file") : List.of(tool);
        for (var t : asTools) {
            for (var form : forms(part)) {
                var r = rules.match(t, form);
                if (r == null) continue;
                if (r.effect() == PermissionRules.Effect.DENY) return r;
                if (form.equals(part.text()) && r.effect() == PermissionRules.Effect.ALLOW) allow = allow == null ? r : allow;
                if (form.equals(part.text()) && r.effect() == PermissionRules.Effect.ASK) ask = ask == null ? r : ask;
            }
        }
        if (tool.equals("edit_file")) { // editing shows the file's text, so a read denial applies
            for (var form : forms(part)) {
                var r = rules.match("read_file", form);
                if (r != null && r.effect() == PermissionRules.Effect.DENY) return r;
            }
        }
        return allow != null ? allow : ask;
    }

    private static List<String> forms(Part part) {
        var all = new ArrayList<String>();
        all.add(part.text());
        all.addAll(part.denyForms());
        return all;
    }

    static Subject parts(String tool, String subject, Path root) {
        if (PermissionRules.FILE_TOOLS.contains(tool)) return new Subject(pathParts(subject, root), true);
        if (tool.equals("fetch_url")) return new Subject(List.of(new Part(normalizeUrl(subject), List.of(subject))), true);
        if (!tool.equals("run_shell")) return new Subject(List.of(new Part(subject, List.of())), true);
        var split = ShellCommands.split(subject);
        var parts = new ArrayList<Part>();
        for (var command : split.commands()) {
            // "X=1 rm -rf /" is still rm for a deny rule; an allow rule must match it with the assignment
            var bare = ASSIGNMENT.matcher(command).replaceFirst("");
            parts.add(new Part(command, bare.equals(command) ? List.of() : List.of(bare)));
        }
        if (!split.reliable() || parts.isEmpty()) parts.add(new Part(subject.strip().replaceAll("\\s+", " "), List.of()));
        return new Subject(parts, split.reliable());
    }

    /**
     * A path as rules see it: relative to the workspace when inside it, else absolute, with {@code .}, {@code ..} and
     * extra slashes resolved; a second part for the real path when a symbolic link makes it differ.
     */
    static List<Part> pathParts(String given, Path root) {
        String g = given == null || given.isEmpty() ? "." : given;
        try {
            if (root == null) return List.of(new Part(slashes(Path.of(g).normalize().toString()), List.of()));
            Path abs = root.toAbsolutePath().normalize();
            Path p = abs.resolve(g).normalize();
            var parts = new ArrayList<Part>();
            parts.add(pathPart(p, abs));
            Path real = realOfExistingPrefix(p);
            Path realRoot = realOfExistingPrefix(abs);
            if (!real.equals(p) && !realRoot.relativize(real).equals(abs.relativize(p))) parts.add(pathPart(real, realRoot));
            return parts;
        } catch (InvalidPathException e) {
            return List.of(new Part(g, List.of()));
        }
    }

    private static Part pathPart(Path p, Path root) {
        if (!p.startsWith(root)) return new Part(slashes(p.toString()), List.of());
        String rel = p.equals(root) ? "." : slashes(root.relativize(p).toString());
        return new Part(rel, List.of(slashes(p.toString())));
    }

    private static String slashes(String s) {
        String t = s.replace('\\', '/');
        return t.isEmpty() ? "." : t;
    }

    private static Path realOfExistingPrefix(Path p) {
        Path existing = p;
        while (existing != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) existing = existing.getParent();
        if (existing == null) return p;
        try {
            return existing.toRealPath().resolve(existing.relativize(p)).normalize();
        } catch (IOException e) {
            return p; // a dangling link: the workspace refuses it anyway
        }
    }

    /** Lower-case scheme and host, no user info, default port or fragment: what a URL rule should see. */
    static String normalizeUrl(String url) {
        try {
            var u = URI.create(url.strip());
            if (u.getScheme() == null || u.getHost() == null) return url.strip();
            String scheme = u.getScheme().toLowerCase(Locale.ROOT);
            int port = u.getPort();
            boolean defaultPort = port == -1 || (scheme.equals("http") && port == 80) || (scheme.equals("https") && port == 443);
            String path = u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : u.getRawPath();
            return scheme + "://" + u.getHost().toLowerCase(Locale.ROOT) + (defaultPort ? "" : ":" + port) + path
                    + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery());
        } catch (IllegalArgumentException e) {
            return url.strip();
        }
    }

    /** Remembers that a run read a secret-looking file (by name; contents are not inspected here). */
    private void noteSecretRead(String tool, JsonNode args, Path root, String runId) {
        List<String> paths = new ArrayList<>();
        switch (tool) {
            case "read_file", "edit_file" -> pathParts(subject(tool, args), root).forEach(p -> paths.add(p.text()));
            case "run_shell" -> {
                for (var command : ShellCommands.split(subject(tool, args)).commands()) paths.addAll(List.of(command.split(" ")));
            }
            default -> { }
        }
        for (var path : paths) {
            for (var segment : path.split("[/<>]")) {
                if (SECRET_NAME.matcher(segment).matches()) {
                    secretReads.putIfAbsent(runId, path);
                    return;
                }
            }
        }
    }
}
