package ai.apprentice.harness;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.model.scripted.ScriptedModel;
import ai.apprentice.tools.PolicyGate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How skills act in a session: what their allowed-tools pre-approve, and for how long. */
class SkillsInSessionTest {
    @TempDir Path home;
    @TempDir Path ws;

    static void skill(Path root, String name, String frontMatter, String body) throws Exception {
        var dir = Files.createDirectories(root.resolve(name));
        Files.writeString(dir.resolve("SKILL.md"), "---\nname: " + name + "\n" + frontMatter + "---\n" + body);
    }

    static String write(String path) {
        return ai.apprentice.json.Json.object().put("path", path).put("content", "x").toString();
    }

    @Test
    void allowedToolsArePreApprovedWhileTheSkillIsInUseAndOthersStillAskAPerson() throws Exception {
        skill(ws.resolve(".claude/skills"), "notes", "description: Keeps notes.\nallowed-tools: Write(notes/**) Read\n", "Write notes.\n");
        var asked = new CopyOnWriteArrayList<String>();
        try (var harness = Harness.builder().home(home).env(Map.of()).build()) {
            harness.trustWorkspace(ws); // the person trusts the workspace's skills as they are
            var session = harness.session(ws, Map.of("model", "scripted:s.jsonl", "approve", "ask", "memory", "off"));
            session.useApprover((tool, subject, args) -> {
                asked.add(tool + " " + subject);
                return PolicyGate.Approver.Answer.DENY;
            });
            session.useModel(ScriptedModel.of(
                    ScriptedModel.toolTurn("", "write_file", write("notes/before.md")),
                    ScriptedModel.toolTurn("", "use_skill", "{\"name\":\"notes\"}"),
                    ScriptedModel.toolTurn("", "write_file", write("notes/a.md")),
                    ScriptedModel.toolTurn("", "write_file", write("other.md")),
                    ScriptedModel.turn("done")));
            var handle = session.start("take notes");
            var result = handle.await();
            assertThat(result.answer()).isEqualTo("done");
            assertThat(session.skills().active(handle.runId())).as("in use until the run ends").isEmpty();
        }
        assertThat(ws.resolve("notes/a.md")).as("pre-approved by the skill").exists();
        assertThat(ws.resolve("notes/before.md")).as("before the skill was in use, the person decided").doesNotExist();
        assertThat(ws.resolve("other.md")).as("not listed: the person decided, not the skill").doesNotExist();
        assertThat(asked).containsExactly("write_file notes/before.md", "write_file other.md");
    }

    @Test
    void aUsersDenyRuleWinsOverASkillThatPreApprovesEverything() throws Exception {
        skill(ws.resolve(".agents/skills"), "greedy", "description: Wants it all.\nallowed-tools: Write Edit Bash mcp__x__*\n", "Go.\n");
        Files.writeString(home.resolve("config.yaml"), "permissions:\n  deny: [\"write_file(secret/**)\"]\n");
        var asked = new CopyOnWriteArrayList<String>();
        try (var harness = Harness.builder().home(home).env(Map.of()).build()) {
            harness.trustWorkspace(ws);
            var session = harness.session(ws, Map.of("model", "scripted:s.jsonl", "approve", "ask", "memory", "off"));
            session.useApprover((tool, subject, args) -> {
                asked.add(tool + " " + subject);
                return PolicyGate.Approver.Answer.DENY;
            });
            session.useModel(ScriptedModel.of(
                    ScriptedModel.toolTurn("", "use_skill", "{\"name\":\"greedy\"}"),
                    ScriptedModel.toolTurn("", "write_file", write("secret/key.txt")),
                    ScriptedModel.toolTurn("", "write_file", write("open.txt")),
                    ScriptedModel.turn("done")));
            session.start("go").await();
        }
        assertThat(ws.resolve("secret/key.txt")).doesNotExist();
        assertThat(ws.resolve("open.txt")).exists();
        assertThat(asked).isEmpty();
    }

    @Test
    void aSkillThatCameWithTheWorkspacePreApprovesOnlyOnceAPersonTrustedItAsItIs() throws Exception {
        skill(ws.resolve(".claude/skills"), "cloned", "description: From the repository.\nallowed-tools: Write\n", "Write.\n");
        var err = new java.io.ByteArrayOutputStream();
        try (var harness = Harness.builder().home(home).env(Map.of()).err(new java.io.PrintStream(err, true)).build()) {
            assertThat(writesAsked(harness, "untrusted.txt")).as("nobody trusted it: the person is asked").containsExactly("untrusted.txt");
            assertThat(err.toString()).contains("skill cloned: its allowed-tools are not pre-approved: it came with the workspace")
                    .contains("--trust-workspace");

            harness.trustWorkspace(ws);
            assertThat(writesAsked(harness, "trusted.txt")).as("trusted as it is: pre-approved").isEmpty();

            // the file changes (a pull, or anyone else): untrusted again until a person says otherwise
            skill(ws.resolve(".claude/skills"), "cloned", "description: From the repository.\nallowed-tools: Write Bash\n", "Write.\n");
            assertThat(writesAsked(harness, "changed.txt")).containsExactly("changed.txt");
        }
        assertThat(ws.resolve("trusted.txt")).exists();
        assertThat(ws.resolve("untrusted.txt")).doesNotExist();
        assertThat(ws.resolve("changed.txt")).doesNotExist();
    }

    /** Runs use_skill cloned, then a write of {@code path}; returns what the person was asked. */
    private List<String> writesAsked(Harness harness, String path) throws Exception {
        var asked = new CopyOnWriteArrayList<String>();
        var session = harness.session(ws, Map.of("model", "scripted:s.jsonl", "approve", "ask", "memory", "off"));
        session.useApprover((tool, subject, args) -> {
            asked.add(subject);
            return PolicyGate.Approver.Answer.DENY;
        });
        session.useModel(new Recording(Recording.call("use_skill", "{\"name\":\"cloned\"}"),
                Recording.call("write_file", write(path)), Recording.say("done")));
        session.start("go").await();
        return asked;
    }

    /** Replies in order, whichever run asks (a parent and its subagent share it), recording every request. */
    static final class Recording implements ai.apprentice.model.Model {
        final java.util.Deque<ai.apprentice.model.Message> replies = new java.util.concurrent.ConcurrentLinkedDeque<>();
        final List<ai.apprentice.model.ChatRequest> requests = new CopyOnWriteArrayList<>();

        Recording(ai.apprentice.model.Message... replies) {
            this.replies.addAll(List.of(replies));
        }

        static ai.apprentice.model.Message call(String tool, String arguments) {
            return ai.apprentice.model.Message.assistant("", List.of(new ai.apprentice.model.ToolCall("c" + arguments.hashCode(), tool, arguments)));
        }

        static ai.apprentice.model.Message say(String text) {
            return ai.apprentice.model.Message.assistant(text);
        }

        @Override public String id() { return "scripted:recording"; }

        @Override
        public ai.apprentice.model.ChatResponse chat(ai.apprentice.model.ChatRequest request, ai.apprentice.model.ModelListener listener) {
            requests.add(request);
            var reply = replies.poll();
            if (reply == null) throw new IllegalStateException("no reply left for request " + requests.size());
            return new ai.apprentice.model.ChatResponse(reply, ai.apprentice.model.Usage.ZERO, reply.toolCalls().isEmpty() ? "stop" : "tool_calls");
        }

        String lastMessageOf(int request) {
            return requests.get(request).messages().getLast().text();
        }
    }

    @Test
    void aSkillsCommandsRunWithThePersonsApprovalAndARefusalIsShownInPlace() throws Exception {
        skill(ws.resolve(".claude/skills"), "status", "description: Reports status.\n",
                "Marker: !`echo ready-$((40+2))`\nOther: !`echo second`\n");
        var asked = new CopyOnWriteArrayList<String>();
        try (var harness = Harness.builder().home(home).env(Map.of()).build()) {
            var session = harness.session(ws, Map.of("model", "scripted:s.jsonl", "approve", "ask", "memory", "off"));
            session.useApprover((tool, subject, args) -> {
                asked.add(subject);
                return subject.contains("second") ? PolicyGate.Approver.Answer.DENY : PolicyGate.Approver.Answer.ONCE;
            });
            var model = new Recording(Recording.call("use_skill", "{\"name\":\"status\"}"), Recording.say("done"));
            session.useModel(model);
            session.start("status?").await();
            var loaded = model.lastMessageOf(1);
            assertThat(loaded).contains("Marker: ready-42").contains("[not run: `echo second`: the user declined]")
                    .doesNotContain("!`");
        }
        assertThat(asked).containsExactly("echo ready-$((40+2))", "echo second");
    }

    @Test
    void aForkedSkillRunsAsASubagentAndReturnsItsAnswer() throws Exception {
        skill(ws.resolve(".claude/skills"), "research", "description: Researches.\ncontext: fork\n", "Research $ARGUMENTS thoroughly.\n");
        try (var harness = Harness.builder().home(home).env(Map.of()).build()) {
            var session = harness.session(ws, Map.of("model", "scripted:s.jsonl", "approve", "auto", "memory", "off"));
            var model = new Recording(
                    Recording.call("use_skill", "{\"name\":\"research\",\"arguments\":\"tides\"}"),
                    Recording.say("Tides follow the moon."),
                    Recording.say("done"));
            session.useModel(model);
            var result = session.start("what about tides?").await();
            assertThat(result.answer()).as(model.lastMessageOf(1)).isEqualTo("done");
            assertThat(model.requests.get(1).messages()).as("the subagent starts fresh, with the skill as its task")
                    .noneMatch(m -> m.text() != null && m.text().contains("what about tides?"));
            assertThat(model.lastMessageOf(1)).contains("Research tides thoroughly.");
            assertThat(model.lastMessageOf(2)).contains("ran in its own context").contains("Tides follow the moon.");
        }
    }

    @Test
    void theUserStartsASkillAsASlashCommandWithArguments() throws Exception {
        skill(ws.resolve(".claude/skills"), "deploy", "description: Deploys.\ndisable-model-invocation: true\nargument-hint: \"[env]\"\n",
                "Deploy to $0 now.\n");
        skill(ws.resolve(".claude/skills"), "background", "description: Background knowledge.\nuser-invocable: false\n", "Know this.\n");
        try (var harness = Harness.builder().home(home).env(Map.of()).build()) {
            var session = harness.session(ws, Map.of("model", "scripted:s.jsonl", "approve", "auto", "memory", "off"));
            var model = new Recording(Recording.say("deployed"));
            session.useModel(model);
            var agent = session.agent();
            assertThat(agent.instructions()).contains("background").doesNotContain("deploy");
            var handle = session.startSkill("deploy", "staging", agent, List.of()).orElseThrow();
            assertThat(handle.await().answer()).isEqualTo("deployed");
            assertThat(model.lastMessageOf(0)).contains("The user ran /deploy staging").contains("Deploy to staging now.");
            assertThat(session.startSkill("background", "", agent, List.of())).as("not user-invocable").isEmpty();
            assertThat(session.startSkill("nope", "", agent, List.of())).isEmpty();
        }
    }

    @Test
    void tooManySkillsAreRankedForEachRunsTaskByTheEmbeddingModel() throws Exception {
        var root = ws.resolve(".claude/skills");
        var filler = " It explains the background, the usual pitfalls and a checklist, step by step, with examples.".repeat(6);
        for (int i = 0; i < 59; i++) skill(root, "alpha-topic-" + i, "description: Helps with garden plant number " + i + "." + filler + "\n", "x\n");
        skill(root, "tax-return", "description: Money matters." + filler + " Use when someone must file their income taxes.\n", "x\n");
        try (var harness = Harness.builder().home(home).userHome(home).env(Map.of()).build()) {
            var session = harness.session(ws, Map.of("model", "scripted:s.jsonl", "approve", "auto", "memory", "off"));
            var model = new Recording(Recording.say("ok"), Recording.say("ok"));
            session.useModel(model);
            var agent = session.agent();
            assertThat(agent.instructions()).as("the index is not fixed for every task").doesNotContain("alpha-topic-3");
            session.start("I have to declare my earnings to the revenue service before April").await();
            var index = model.requests.get(0).messages().stream().map(ai.apprentice.model.Message::text)
                    .filter(t -> t != null && t.startsWith("## Skills")).findFirst().orElseThrow();
            assertThat(SkillCatalogBudget.tokens(index)).isLessThanOrEqualTo(Harness.SKILL_INDEX_TOKENS);
            assertThat(index.lines().filter(l -> l.startsWith("- ")).findFirst().orElseThrow())
                    .as("ranked by meaning: no word of the task is in the description").startsWith("- tax-return:").endsWith("income taxes.");
        }
    }

    /** The index's own token estimate. */
    static final class SkillCatalogBudget {
        static int tokens(String s) {
            return ai.apprentice.skills.SkillCatalog.estimateTokens(s);
        }
    }

    @Test
    void aSkillsWarningsArePrintedOnceNotOnEveryRun() throws Exception {
        skill(ws.resolve(".claude/skills"), "odd", "description: Odd.\ncolour: blue\n", "x\n");
        java.util.function.Supplier<String> run = () -> {
            var err = new java.io.ByteArrayOutputStream();
            try (var harness = Harness.builder().home(home).userHome(home).env(Map.of()).err(new java.io.PrintStream(err, true)).build()) {
                harness.skills(ws);
            }
            return err.toString();
        };
        assertThat(run.get()).contains("unknown field 'colour'");
        assertThat(run.get()).as("the next run, the same file").doesNotContain("colour");
        Files.writeString(ws.resolve(".claude/skills/odd/SKILL.md"), "---\nname: odd\ndescription: Odd.\ncolour: red\n---\nchanged\n");
        assertThat(run.get()).as("the file changed").contains("unknown field 'colour'");
    }

    @Test
    void aSkillTheAgentOrTheLearningLoopCouldHaveWrittenPreApprovesNothing() throws Exception {
        // A nested package's folder is writable by the agent; a learned skill was written by the reflector.
        skill(ws.resolve("pkg/web/.claude/skills"), "nested", "description: Nested.\nallowed-tools: Write\n", "Write.\n");
        skill(home.resolve("skills"), "learned", "description: Learned.\nallowed-tools: Write\n", "Write.\n");
        var asked = new CopyOnWriteArrayList<String>();
        var err = new java.io.ByteArrayOutputStream();
        try (var harness = Harness.builder().home(home).userHome(home).env(Map.of()).err(new java.io.PrintStream(err, true)).build()) {
            harness.learned().put("skill:learned", "{\"files\":{}}", "test: as the learning loop records it", null);
            var session = harness.session(ws, Map.of("model", "scripted:s.jsonl", "approve", "ask", "memory", "off"));
            session.useApprover((tool, subject, args) -> {
                asked.add(subject);
                return PolicyGate.Approver.Answer.DENY;
            });
            session.useModel(new Recording(
                    Recording.call("use_skill", "{\"name\":\"nested\"}"),
                    Recording.call("write_file", write("a.txt")),
                    Recording.call("use_skill", "{\"name\":\"learned\"}"),
                    Recording.call("write_file", write("b.txt")),
                    Recording.say("done")));
            session.start("go").await();
        }
        assertThat(asked).containsExactly("a.txt", "b.txt");
        assertThat(err.toString()).contains("skill nested: its allowed-tools are not pre-approved: its SKILL.md is in a folder the agent can write")
                .contains("skill learned: its allowed-tools are not pre-approved: the learning loop wrote it");
    }
}
