package ai.apprentice.learn;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.json.Json;
import ai.apprentice.memory.playbook.Lesson;
import ai.apprentice.memory.playbook.Playbook;
import ai.apprentice.memory.playbook.Scopes;
import ai.apprentice.model.ChatRequest;
import ai.apprentice.model.ChatResponse;
import ai.apprentice.model.Model;
import ai.apprentice.model.ModelListener;
import ai.apprentice.model.Role;
import ai.apprentice.model.scripted.ScriptedModel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link ModelReflector}: the prompt it builds, and what it makes of good, wrapped, broken and failed replies. */
class ReflectorTest {
    static final String SCOPE = Scopes.environment("textworld");

    static final Playbook PLAYBOOK = new Playbook(List.of(
            new Lesson("L-aaa111", "Take the lamp before entering a dark room.", SCOPE, 2, 0, List.of("R-1")),
            new Lesson("L-bbb222", "Feed creatures what they ask for.", SCOPE, 0, 1, List.of("R-2")),
            new Lesson("L-ccc333", "Check the project's README first.", Scopes.USER, 0, 0, List.of())), Playbook.DEFAULT_TOKEN_BUDGET);

    static final List<Trajectory> BATCH = List.of(
            new Trajectory("R-10", "textworld:test/4", 0.0, "goal not reached: the pearl is in the chest; 30 of 30 actions used",
                    "user: Your goal: ...\nassistant: act go north", List.of("You never opened the chest.")),
            new Trajectory("R-11", "textworld:test/7", 1.0, "goal reached in 9 actions (optimal 9)", "user: ...\nassistant: act take key", List.of()));

    /** Records requests and answers them with a scripted model's turn (the same turn every call). */
    static final class Recording implements Model {
        final Model inner;
        final List<ChatRequest> requests = new ArrayList<>();

        Recording(Model inner) {
            this.inner = inner;
        }

        @Override public String id() { return inner.id(); }

        @Override
        public ChatResponse chat(ChatRequest request, ModelListener listener) throws InterruptedException {
            requests.add(request);
            return inner.chat(request, listener);
        }

        String system() {
            return requests.getLast().messages().stream().filter(m -> m.role() == Role.SYSTEM).findFirst().orElseThrow().text();
        }

        String user() {
            return requests.getLast().messages().stream().filter(m -> m.role() == Role.USER).findFirst().orElseThrow().text();
        }
    }

    static Recording replying(String text) {
        return new Recording(ScriptedModel.of(ScriptedModel.turn(text)));
    }

    static Reflector.Proposal propose(ModelReflector r) throws InterruptedException {
        return r.propose(BATCH, PLAYBOOK, SCOPE);
    }

    static final String GOOD = """
            {"candidates": [
              {"edits": [{"op": "add", "text": "Open a closed container before putting an item in it."}],
               "rationale": "R-10 failed with the pearl outside the closed chest", "from_runs": ["R-10"]},
              {"edits": [{"op": "modify", "id": "L-bbb222", "text": "Feed a creature the item it names, then pass."}], "rationale": "clearer"},
              {"edits": [{"op": "delete", "id": "L-bbb222"}], "from_runs": ["R-99"]}
             ],
             "tags": [{"id": "L-aaa111", "helpful": true}, {"id": "L-bbb222", "helpful": false}]}""";

    @Test
    void aValidReplyGivesCandidatesForTheScopeWithTagsProvenanceAndUsage() throws Exception {
        var model = replying(GOOD);
        var reflector = new ModelReflector(model);
        var p = propose(reflector);
        assertThat(p.problem()).isNull();
        assertThat(p.candidates()).hasSize(3);
        var add = p.candidates().get(0);
        assertThat(add.edits()).containsExactly(Playbook.Delta.add("Open a closed container before putting an item in it.", SCOPE));
        assertThat(add.source()).isEqualTo("reflector");
        assertThat(add.id()).matches("C-[0-9a-f]{8}");
        assertThat(add.fromRuns()).containsExactly("R-10");
        assertThat(add.rationale()).contains("closed chest");
        var modify = p.candidates().get(1);
        assertThat(modify.edits().getFirst()).isEqualTo(new Playbook.Delta("modify", "L-bbb222", "Feed a creature the item it names, then pass.", null));
        assertThat(modify.fromRuns()).as("no runs named: the whole batch").containsExactly("R-10", "R-11");
        var delete = p.candidates().get(2);
        assertThat(delete.edits().getFirst()).isEqualTo(new Playbook.Delta("delete", "L-bbb222", null, null));
        assertThat(delete.fromRuns()).as("a run not in the batch is not provenance").containsExactly("R-10", "R-11");
        assertThat(p.tags()).containsExactly(new Reflector.Tag("L-aaa111", true), new Reflector.Tag("L-bbb222", false));
        assertThat(reflector.notes()).isEmpty();

        // The same edits get the same id; the applied candidate lands in the scope.
        assertThat(propose(new ModelReflector(replying(GOOD))).candidates().getFirst().id()).isEqualTo(add.id());
        var applied = PLAYBOOK.apply(add.edits(), add.fromRuns(), Playbook.Similarity.EXACT);
        assertThat(applied.playbook().in(List.of(SCOPE))).hasSize(3);

        // Usage is counted (the scripted model estimates it from characters) and accumulates over calls.
        var first = reflector.usage();
        assertThat(first.inputTokens()).isGreaterThan(100);
        assertThat(first.outputTokens()).isGreaterThan(10);
        propose(reflector);
        assertThat(reflector.usage()).isEqualTo(first.plus(first));
        assertThat(reflector.calls()).isEqualTo(2);
    }

    @Test
    void anAddMayNameItsScopeButOnlyTheOneItsLessonsGoTo() throws Exception {
        var same = propose(new ModelReflector(replying("{\"candidates\": [{\"edits\": [{\"op\": \"add\", \"text\": \"Look first.\", \"scope\": \""
                + SCOPE + "\"}]}]}")));
        assertThat(same.candidates().getFirst().edits().getFirst().scope()).isEqualTo(SCOPE);
        var other = propose(new ModelReflector(replying("{\"candidates\": [{\"edits\": [{\"op\": \"add\", \"text\": \"Look first.\", \"scope\": \"user\"}]}]}")));
        assertThat(other.candidates()).isEmpty();
        assertThat(other.problem()).contains("candidate 1").contains("scoped 'user'");
        var invalid = propose(new ModelReflector(replying("{\"candidates\": [{\"edits\": [{\"op\": \"add\", \"text\": \"Look first.\", \"scope\": \"galaxy\"}]}]}")));
        assertThat(invalid.problem()).contains("the scope 'galaxy'");
    }

    @Test
    void fencedJsonWithProseAroundItIsRead() throws Exception {
        var reply = """
                Looking at these runs, the agent keeps forgetting containers {which matter}. Here is my proposal:

                ```json
                {"candidates": [{"edits": [{"op": "add", "text": "Open a closed container before putting an item in it."}],
                  "rationale": "a {braced} note and a \\"quote\\""}], "tags": []}
                ```
                I hope this helps! {"not": "this one"}""";
        var p = propose(new ModelReflector(replying(reply)));
        assertThat(p.problem()).isNull();
        assertThat(p.candidates()).singleElement().satisfies(c -> {
            assertThat(c.edits().getFirst().text()).isEqualTo("Open a closed container before putting an item in it.");
            assertThat(c.rationale()).isEqualTo("a {braced} note and a \"quote\"");
        });
    }

    @Test
    void aReplyThatIsNotTheJsonAskedForChangesNothing() throws Exception {
        var cases = List.of(
                List.of("I think the agent should be more careful next time.", "no JSON object"),
                List.of("", "no JSON object"),
                List.of("{\"lessons\": [\"be careful\"]}", "neither \"candidates\" nor \"tags\""),
                List.of("{\"candidates\": {\"edits\": []}}", "\"candidates\" is not a list"),
                List.of("{\"candidates\": [{\"edits\": [{\"op\": \"replace\", \"id\": \"L-aaa111\", \"text\": \"x\"}]}]}", "candidate 1: edit 1 has the unknown op 'replace'"),
                List.of("{\"candidates\": [{\"edits\": [{\"op\": \"add\"}]}]}", "edit 1 (add) has no \"text\""),
                List.of("{\"candidates\": [{\"edits\": [{\"op\": \"add\", \"text\": 42}]}]}", "\"text\" is not a string"),
                List.of("{\"candidates\": [{\"edits\": [{\"op\": \"delete\"}]}]}", "edit 1 (delete) has no lesson \"id\""),
                List.of("{\"candidates\": [{\"edits\": [{\"op\": \"delete\", \"id\": \"L-ccc333\"}]}]}", "not a lesson of environment:textworld"),
                List.of("{\"candidates\": [{\"edits\": []}]}", "\"edits\" is empty"),
                List.of("{\"candidates\": [{\"rationale\": \"no edits\"}]}", "has no \"edits\""),
                List.of("{\"candidates\": [\"add: be careful\"]}", "candidate 1: is not an object"),
                List.of("{\"candidates\": [], \"tags\": [{\"id\": \"L-aaa111\", \"helpful\": \"yes\"}]}", "tag 1 is not"),
                List.of("{\"candidates\": [{\"edits\": [{\"op\": \"add\", \"text\": \"x\"}]", "neither \"candidates\" nor \"tags\"")); // cut off: only an inner object closes
        for (var c : cases) {
            var p = propose(new ModelReflector(replying(c.get(0))));
            assertThat(p.candidates()).as(c.get(0)).isEmpty();
            assertThat(p.tags()).as(c.get(0)).isEmpty();
            assertThat(p.problem()).as(c.get(0)).isNotNull().contains(c.get(1));
        }
    }

    @Test
    void goodCandidatesBesideBadOnesAreKeptAndTheBadOnesNoted() throws Exception {
        var reply = "{\"candidates\": [{\"edits\": [{\"op\": \"frobnicate\"}]}, {\"edits\": [{\"op\": \"add\", \"text\": \"Look first.\"}]}],"
                + " \"tags\": [{\"id\": \"L-zzz999\", \"helpful\": true}]}";
        var reflector = new ModelReflector(replying(reply));
        var p = propose(reflector);
        assertThat(p.problem()).isNull();
        assertThat(p.candidates()).singleElement().extracting(Candidate::title).isEqualTo("add: Look first.");
        assertThat(p.tags()).as("an unknown lesson is not tagged").isEmpty();
        assertThat(reflector.notes()).anyMatch(n -> n.contains("candidate 1") && n.contains("frobnicate"))
                .anyMatch(n -> n.contains("L-zzz999"));
    }

    @Test
    void noCandidatesIsAnAnswerNotAProblem() throws Exception {
        var p = propose(new ModelReflector(replying("{\"candidates\": []}")));
        assertThat(p.problem()).isNull();
        assertThat(p.candidates()).isEmpty();
    }

    @Test
    void moreCandidatesThanAskedForKeepsTheFirstN() throws Exception {
        var cs = new ArrayList<String>();
        for (int i = 1; i <= 5; i++) cs.add("{\"edits\": [{\"op\": \"add\", \"text\": \"Lesson number " + i + ".\"}]}");
        var reply = "{\"candidates\": [" + String.join(", ", cs) + "]}";
        var model = replying(reply);
        var reflector = new ModelReflector(model, 2);
        var p = propose(reflector);
        assertThat(p.candidates()).extracting(c -> c.edits().getFirst().text()).containsExactly("Lesson number 1.", "Lesson number 2.");
        assertThat(reflector.notes()).anyMatch(n -> n.contains("more than the 2 asked for"));
        assertThat(model.system()).contains("at most 2 candidates");
        assertThat(propose(new ModelReflector(replying(reply)))).extracting(r -> r.candidates().size()).isEqualTo(ModelReflector.DEFAULT_MAX_CANDIDATES);
    }

    @Test
    void aFailingModelGivesAnUnusableProposalWithTheReason() throws Exception {
        var model = ScriptedModel.of(Json.object().put("error", "rate limited: try again in 20 s").put("retryable", true));
        var reflector = new ModelReflector(model);
        var p = propose(reflector);
        assertThat(p.candidates()).isEmpty();
        assertThat(p.problem()).isEqualTo("reflector model failed: rate limited: try again in 20 s");
        assertThat(reflector.calls()).isEqualTo(1);
    }

    @Test
    void thePromptShowsTheScopesLessonsAndEachTrajectory() throws Exception {
        var model = replying("{\"candidates\": []}");
        propose(new ModelReflector(model));
        var user = model.user();
        assertThat(user).contains("- [L-aaa111] Take the lamp before entering a dark room. (helped 2, hurt 0)")
                .contains("- [L-bbb222] Feed creatures what they ask for.")
                .doesNotContain("L-ccc333"); // another scope's lesson
        assertThat(user.lines()).contains("task textworld:test/4 reward 0.0", "task textworld:test/7 reward 1.0");
        assertThat(user).contains("goal not reached: the pearl is in the chest").contains("- You never opened the chest.")
                .contains("assistant: act go north").contains("run R-10").contains("1 succeeded, 1 failed");
        var system = model.system();
        assertThat(system).contains("one or two sentences").contains("never the answer to one task").contains("at most 3 candidates")
                .contains("Prefer fixing (modify) or deleting").contains("Tag the current lessons").contains("ONE JSON object");

        // An empty playbook says so; a reward with a fraction keeps it.
        var m2 = replying("{\"candidates\": []}");
        new ModelReflector(m2).propose(List.of(new Trajectory("R-1", "shop:test/3", 0.5, "partial", "", List.of())), Playbook.empty(), Scopes.environment("shop"));
        assertThat(m2.user()).contains("(none yet)").contains("task shop:test/3 reward 0.5\n");
    }

    @Test
    void longTranscriptsKeepTheirStartAndEnd() throws Exception {
        var transcript = "START " + "x".repeat(20_000) + " END";
        var model = replying("{\"candidates\": []}");
        new ModelReflector(model, 3, 4_000).propose(List.of(new Trajectory("R-1", "sql:test/1", 0, "no query was submitted", transcript, List.of())),
                Playbook.empty(), Scopes.environment("sql"));
        var user = model.user();
        assertThat(user).contains("START ").contains(" END").contains("characters left out");
        assertThat(user.length()).isLessThan(4_000 + 600);
        assertThat(ModelReflector.truncate("short", 100)).isEqualTo("short");
        var cut = ModelReflector.truncate("a".repeat(500) + "b".repeat(500), 200);
        assertThat(cut).startsWith("a".repeat(100)).endsWith("b".repeat(100)).contains("[... 800 characters left out ...]");
    }

    @Test
    void theJsonScanSkipsBracesThatAreNotJson() {
        assertThat(ModelReflector.objects("a {b} c {\"x\": 1} d {\"y\": \"}\"}")).extracting(Object::toString)
                .containsExactly("{\"x\":1}", "{\"y\":\"}\"}");
        assertThat(ModelReflector.objects("{\"outer\": {\"inner\": 1}}")).hasSize(1); // nested objects are not top-level
        assertThat(ModelReflector.objects("{ unbalanced")).isEmpty();
    }
}
