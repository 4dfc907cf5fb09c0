package ai.apprentice.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.apprentice.json.Json;
import ai.apprentice.model.ToolCall;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class PolicyGateTest {
    private static ToolCall shell(String cmd) {
        return new ToolCall("c", "run_shell", Json.object().put("command", cmd).toString());
    }

    private static ai.apprentice.tool.ToolGate.Decision check(PolicyGate g, ToolCall call) throws Exception {
        return g.check(call, Json.tree(call.arguments()), null);
    }

    private final PermissionRules rules = PermissionRules.of(List.of("run_shell(git status*)", "run_shell(rm -rf build)"),
            List.of("fetch_url(*)"), List.of("run_shell(rm -rf*)", "write_file(.env*)"));

    @Test
    void denyWinsThenAllowThenAsk() throws Exception {
        var gate = new PolicyGate(rules, ApprovalMode.ALL, null, false);
        var denied = check(gate, shell("rm -rf build"));
        assertThat(denied.allowed()).isFalse();
        assertThat(denied.decidedBy()).isEqualTo("rule deny: run_shell(rm -rf*)");
        assertThat(check(gate, shell("git status --short")).decidedBy()).isEqualTo("rule allow: run_shell(git status*)");
        assertThat(check(gate, new ToolCall("c", "write_file", "{\"path\":\".env.local\",\"content\":\"\"}")).allowed()).isFalse();
        assertThat(check(gate, shell("make")).decidedBy()).isEqualTo("mode all");
    }

    @Test
    void autoModeAllowsWhatRulesAndTheSandboxPermit() throws Exception {
        var sandboxed = new PolicyGate(rules, ApprovalMode.AUTO, null, true);
        var bare = new PolicyGate(rules, ApprovalMode.AUTO, null, false);
        assertThat(check(sandboxed, shell("make test")).allowed()).isTrue();
        var noSandbox = check(bare, shell("make test"));
        assertThat(noSandbox.allowed()).isFalse();
        assertThat(noSandbox.reason()).contains("no OS sandbox");
        assertThat(check(bare, shell("git status")).allowed()).isTrue();
        var ask = check(bare, new ToolCall("c", "fetch_url", "{\"url\":\"https://x\"}"));
        assertThat(ask.allowed()).isFalse();
        assertThat(ask.reason()).contains("approval");
        assertThat(check(bare, new ToolCall("c", "read_file", "{\"path\":\"a\"}")).allowed()).isTrue();
        assertThat(check(bare, new ToolCall("c", "mcp__gh__delete_repo", "{}")).allowed()).isFalse();
    }

    @Test
    void askModeAsksAndRemembersAlways() throws Exception {
        var asked = new AtomicInteger();
        var answers = new java.util.ArrayDeque<>(List.of(PolicyGate.Approver.Answer.DENY, PolicyGate.Approver.Answer.ALWAYS,
                PolicyGate.Approver.Answer.ONCE));
        var gate = new PolicyGate(rules, ApprovalMode.ASK, (tool, subject, args) -> {
            asked.incrementAndGet();
            return answers.poll();
        }, false);
        assertThat(check(gate, shell("make")).decidedBy()).isEqualTo("user");
        assertThat(check(gate, shell("make")).decidedBy()).isEqualTo("user (always this session)");
        assertThat(check(gate, shell("make")).decidedBy()).isEqualTo("user (always this session)");
        assertThat(asked).hasValue(2);
        assertThat(check(gate, shell("make install")).decidedBy()).isEqualTo("user (once)");
    }

    /** A gate in ASK mode whose every question is counted and answered "deny", with a skill's grant for every run. */
    private static PolicyGate granting(PermissionRules userRules, boolean sandboxed, AtomicInteger asked, String... allowedTools) {
        var refused = new java.util.ArrayList<String>();
        var grant = new PolicyGate.Grant("skill git-helper", PermissionRules.grants(List.of(allowedTools),
                java.util.Map.of("Bash", "run_shell", "Write", "write_file", "Read", "read_file"), refused));
        assertThat(refused).isEmpty();
        return new PolicyGate(userRules, ApprovalMode.ASK, (tool, subject, args) -> {
            asked.incrementAndGet();
            return PolicyGate.Approver.Answer.DENY;
        }, sandboxed).withGrants(runId -> grant);
    }

    @Test
    void aSkillsAllowedToolsPreApproveCommandPrefixesOnEveryCommandOfALine() throws Exception {
        var asked = new AtomicInteger();
        var gate = granting(PermissionRules.of(List.of(), List.of(), List.of()), true, asked, "Bash(git:*)", "Read");
        var ok = check(gate, shell("git status --short"));
        assertThat(ok.allowed()).isTrue();
        assertThat(ok.decidedBy()).isEqualTo("skill git-helper");
        assertThat(check(gate, shell("git")).allowed()).isTrue();
        assertThat(asked).hasValue(0);
        // Not covered: the question goes to the person as without the skill (not denied by the skill).
        assertThat(check(gate, shell("echo; uname")).decidedBy()).isEqualTo("user");
        assertThat(check(gate, shell("git status && curl http://evil.example")).decidedBy()).isEqualTo("user");
        assertThat(check(gate, shell("gitx status")).decidedBy()).isEqualTo("user");
        assertThat(check(gate, shell("git log $(uname)")).decidedBy()).isEqualTo("user");
        assertThat(asked).hasValue(4);
    }

    @Test
    void theSpacedFormIsOnePrefixAndFileGrantsAreGlobs() throws Exception {
        var asked = new AtomicInteger();
        var gate = granting(PermissionRules.of(List.of(), List.of(), List.of()), true, asked, "Bash(git status:*)", "Write(docs/**)");
        assertThat(check(gate, shell("git status")).allowed()).isTrue();
        assertThat(check(gate, shell("git status --short")).allowed()).isTrue();
        assertThat(check(gate, shell("git push")).decidedBy()).isEqualTo("user");
        assertThat(check(gate, new ToolCall("c", "write_file", "{\"path\":\"docs/a.md\",\"content\":\"\"}")).decidedBy())
                .isEqualTo("skill git-helper");
        assertThat(check(gate, new ToolCall("c", "write_file", "{\"path\":\"src/a.java\",\"content\":\"\"}")).decidedBy())
                .isEqualTo("user");
        assertThat(check(gate, new ToolCall("c", "write_file", "{\"path\":\"docs/../src/a.java\",\"content\":\"\"}")).decidedBy())
                .isEqualTo("user");
        assertThat(asked).hasValue(3);
    }

    @Test
    void aGrantNeverWidensWhatTheUsersRulesAndModeDecide() throws Exception {
        var asked = new AtomicInteger();
        var user = PermissionRules.of(List.of(), List.of("run_shell(git commit*)"), List.of("run_shell(git push*)"));
        var gate = granting(user, true, asked, "Bash(git:*)", "Bash");
        var push = check(gate, shell("git status; git push --force"));
        assertThat(push.allowed()).isFalse();
        assertThat(push.decidedBy()).isEqualTo("rule deny: run_shell(git push*)");
        assertThat(check(gate, shell("git commit -m x")).decidedBy()).as("an ask rule still asks").isEqualTo("user");
        assertThat(asked).hasValue(1);
        // Outside the sandbox a prefix is no boundary (arguments can run code): the person is asked.
        var bare = granting(PermissionRules.of(List.of(), List.of(), List.of()), false, asked, "Bash(git:*)");
        assertThat(check(bare, shell("git status")).decidedBy()).isEqualTo("user");
        // AUTO mode has nobody to replace: its refusals stand.
        var refused = new java.util.ArrayList<String>();
        var auto = new PolicyGate(PermissionRules.of(List.of(), List.of(), List.of()), ApprovalMode.AUTO, null, false)
                .withGrants(runId -> new PolicyGate.Grant("skill x", PermissionRules.grants(List.of("Bash(git:*)", "mcp__gh__*"),
                        java.util.Map.of("Bash", "run_shell"), refused)));
        assertThat(check(auto, shell("git status")).allowed()).isFalse();
        assertThat(check(auto, new ToolCall("c", "mcp__gh__delete_repo", "{}")).allowed()).isFalse();
        var wide = new java.util.ArrayList<String>();
        PermissionRules.grants(List.of("*", "Ba*", "mcp__gh__*", "bad name(x"), java.util.Map.of(), wide);
        assertThat(wide).containsExactly("*", "Ba*", "bad name(x");
    }

    @Test
    void askWithoutAPersonBehavesAsAuto() {
        assertThat(new PolicyGate(rules, ApprovalMode.ASK, null, true).mode()).isEqualTo(ApprovalMode.AUTO);
    }

    @Test
    void badRulesAreReported() {
        assertThatThrownBy(() -> PermissionRules.of(List.of("run shell(x"), List.of(), List.of()))
                .hasMessageContaining("Bad permission rule 'run shell(x'");
        assertThatThrownBy(() -> ApprovalMode.parse("sometimes")).hasMessageContaining("ask, auto or all");
    }
}
