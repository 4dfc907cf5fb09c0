package ai.apprentice.memory.playbook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class PlaybookTest {
    static final String ENV = Scopes.environment("shop");

    @Test
    void deltasAddModifyAndDeleteLessonsAndSayWhatTheyDid() {
        var a = Playbook.empty().apply(List.of(Playbook.Delta.add("Search before you buy.", ENV)), List.of("run-1"), Playbook.Similarity.EXACT);
        assertThat(a.changed()).isTrue();
        var lesson = a.playbook().lessons().getFirst();
        assertThat(lesson.id()).startsWith("L-");
        assertThat(lesson.provenance()).containsExactly("run-1");

        var m = a.playbook().apply(List.of(new Playbook.Delta("modify", lesson.id(), "Search, then compare prices, then buy.", null)),
                List.of("run-2"), Playbook.Similarity.EXACT);
        assertThat(m.playbook().lesson(lesson.id()).orElseThrow().text()).isEqualTo("Search, then compare prices, then buy.");
        assertThat(m.playbook().lesson(lesson.id()).orElseThrow().provenance()).containsExactly("run-1", "run-2");

        var d = m.playbook().apply(List.of(new Playbook.Delta("delete", lesson.id(), null, null), new Playbook.Delta("delete", "L-nope", null, null)),
                List.of(), Playbook.Similarity.EXACT);
        assertThat(d.playbook().lessons()).isEmpty();
        assertThat(d.notes()).containsExactly("deleted " + lesson.id(), "no lesson L-nope to delete");
    }

    @Test
    void aLessonThatSaysTheSameAsOneInItsScopeIsMergedNotAdded() {
        var p = Playbook.empty().apply(List.of(Playbook.Delta.add("Always confirm the order number.", ENV)), List.of("r1"), Playbook.Similarity.EXACT).playbook();
        var again = p.apply(List.of(Playbook.Delta.add("always confirm the ORDER number", ENV)), List.of("r2"), Playbook.Similarity.EXACT);
        assertThat(again.changed()).isFalse();
        assertThat(again.playbook().lessons()).hasSize(1);
        assertThat(again.playbook().lessons().getFirst().provenance()).containsExactly("r1", "r2");
        // The same words in another scope are another lesson.
        var other = p.apply(List.of(Playbook.Delta.add("Always confirm the order number.", Scopes.USER)), List.of(), Playbook.Similarity.EXACT);
        assertThat(other.playbook().lessons()).hasSize(2);
        // A similarity function decides what "the same" means.
        var fuzzy = p.apply(List.of(Playbook.Delta.add("Double-check the order id.", ENV)), List.of(), (x, y) -> 0.95);
        assertThat(fuzzy.changed()).isFalse();
    }

    @Test
    void aScopeStaysWithinItsTokenBudgetByDroppingItsLeastCreditedLessons() {
        var p = new Playbook(List.of(), 30);
        p = p.apply(List.of(Playbook.Delta.add("Lesson one is about reading the page first.", ENV)), List.of(), Playbook.Similarity.EXACT).playbook();
        var first = p.lessons().getFirst().id();
        p = p.count(first, true);
        p = p.apply(List.of(Playbook.Delta.add("Lesson two is about confirming the cart total.", ENV)), List.of(), Playbook.Similarity.EXACT).playbook();
        var second = p.lessons().get(1).id();
        var third = p.apply(List.of(Playbook.Delta.add("Lesson three is about using the search filters.", ENV)), List.of(), Playbook.Similarity.EXACT);
        assertThat(third.playbook().tokens(ENV)).isLessThanOrEqualTo(30);
        assertThat(third.playbook().lesson(first)).as("credited, so kept").isPresent();
        assertThat(third.playbook().lesson(second)).as("no credit, dropped").isEmpty();
        assertThat(third.notes()).anyMatch(n -> n.startsWith("dropped " + second));
        var tooBig = new Playbook(List.of(), 5).apply(List.of(Playbook.Delta.add("x".repeat(100), ENV)), List.of(), Playbook.Similarity.EXACT);
        assertThat(tooBig.changed()).isFalse();
        assertThat(tooBig.notes().getFirst()).contains("exceeds the budget");
    }

    @Test
    void theInstructionsSectionHasOnlyTheScopesAskedForAndNoCounters() {
        var p = Playbook.empty().apply(List.of(Playbook.Delta.add("Shop lesson.", ENV), Playbook.Delta.add("User lesson.", Scopes.USER)),
                List.of(), Playbook.Similarity.EXACT).playbook();
        p = p.count(p.lessons().getFirst().id(), true);
        var section = p.section(List.of(ENV));
        assertThat(section).startsWith("## Lessons learned").contains("Shop lesson.").doesNotContain("User lesson.").doesNotContain("helpful");
        assertThat(p.section(List.of(Scopes.environment("sql")))).isEmpty();
    }

    @Test
    void jsonRoundTripsExactly() {
        var p = Playbook.empty().apply(List.of(Playbook.Delta.add("Ünïcode and \"quotes\".", ENV)), List.of("r"), Playbook.Similarity.EXACT).playbook();
        var json = p.json();
        assertThat(Playbook.fromJson(json)).isEqualTo(p);
        assertThat(Playbook.fromJson(json).json()).isEqualTo(json);
        assertThatThrownBy(() -> Playbook.fromJson("[1]")).hasMessageContaining("not a playbook");
        assertThatThrownBy(() -> Playbook.fromJson("{\"lessons\": [{\"id\": \"L-1\", \"text\": \"t\", \"scope\": \"galaxy\"}]}"))
                .hasMessageContaining("scope must be");
    }

    @Test
    void badDeltasSayWhatIsWrong() {
        assertThatThrownBy(() -> new Playbook.Delta("rewrite", null, "t", ENV)).hasMessageContaining("add, modify or delete");
        assertThatThrownBy(() -> new Playbook.Delta("modify", null, "t", null)).hasMessageContaining("needs the id");
        assertThatThrownBy(() -> Playbook.Delta.add(" ", ENV)).hasMessageContaining("needs the lesson's text");
        assertThatThrownBy(() -> Playbook.Delta.add("t", "team")).hasMessageContaining("scope must be");
        assertThatThrownBy(() -> Playbook.Delta.add("rejected\u001b[2K\u001b[1Aaccepted", ENV)).hasMessageContaining("control characters");
        assertThatThrownBy(() -> Playbook.Delta.add("C1 \u009b control", ENV)).hasMessageContaining("control characters");
        assertThat(Playbook.Delta.add("two\nlines\tand a tab", ENV).text()).contains("\n");
    }
}
