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
