package ai.apprentice.learn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.apprentice.memory.playbook.Playbook;
import ai.apprentice.memory.playbook.Scopes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Proposals}: candidates from JSON and Markdown files and skill folders, and errors that name file and line. */
class ProposalsTest {
    static final String SCOPE = Scopes.environment("sql");
    @TempDir Path dir;

    Path file(String name, String content) throws Exception {
        var f = dir.resolve(name);
        Files.writeString(f, content);
        return f;
    }

    static List<String> texts(Candidate c) {
        return c.edits().stream().map(Playbook.Delta::text).toList();
    }

    @Test
    void jsonLinesOneCandidateALine() throws Exception {
        var f = file("c.jsonl", """
                {"edits": [{"op": "add", "text": "Describe the tables before writing a query."}], "rationale": "schema errors", "from_runs": ["R-1"]}

                {"edits": [{"op": "modify", "id": "L-abc123", "text": "Use COUNT for how-many questions."}, {"op": "delete", "id": "L-def456"}]}
                {"lesson": "Order rows only when the question asks for an order."}
                {"lessons": ["Select only the asked columns.", "Quote text values."]}
                {"edits": [{"op": "add", "text": "Say which database you used.", "scope": "user"}]}
                """);
        var cs = Proposals.read(f, SCOPE);
        assertThat(cs).hasSize(5).allSatisfy(c -> {
            assertThat(c.source()).isEqualTo("file");
            assertThat(c.id()).matches("C-[0-9a-f]{8}");
            assertThat(c.isSkill()).isFalse();
        });
        assertThat(cs.get(0).edits()).containsExactly(Playbook.Delta.add("Describe the tables before writing a query.", SCOPE));
        assertThat(cs.get(0).rationale()).isEqualTo("schema errors");
        assertThat(cs.get(0).fromRuns()).containsExactly("R-1");
        assertThat(cs.get(1).edits()).containsExactly(new Playbook.Delta("modify", "L-abc123", "Use COUNT for how-many questions.", null),
                new Playbook.Delta("delete", "L-def456", null, null));
        assertThat(texts(cs.get(2))).containsExactly("Order rows only when the question asks for an order.");
        assertThat(texts(cs.get(3))).as("a lessons list is one candidate").containsExactly("Select only the asked columns.", "Quote text values.");
        assertThat(cs.get(3).edits()).allMatch(d -> d.op().equals("add") && d.scope().equals(SCOPE));
        assertThat(cs.get(4).edits().getFirst().scope()).as("a person may name another scope").isEqualTo("user");
        assertThat(cs.get(2).rationale()).isEqualTo("from c.jsonl");
    }

    @Test
    void oneObjectOrAnArray() throws Exception {
        var one = Proposals.read(file("one.json", """
                {
                  "edits": [
                    {"op": "add", "text": "Describe the tables first."}
                  ],
                  "rationale": "pretty-printed"
                }
                """), SCOPE);
        assertThat(one).singleElement().satisfies(c -> assertThat(texts(c)).containsExactly("Describe the tables first."));
        var array = Proposals.read(file("many.json", """
                [
                  {"lesson": "First lesson."},
                  {"lessons": ["Second.", "Third."]}
                ]
                """), SCOPE);
        assertThat(array).hasSize(2);
        assertThat(texts(array.get(1))).containsExactly("Second.", "Third.");
    }

    @Test
    void jsonErrorsNameTheFileAndTheLine() throws Exception {
        var bad = file("bad.jsonl", "{\"lesson\": \"fine\"}\n{\"lesson\": }\n");
        assertThatThrownBy(() -> Proposals.read(bad, SCOPE)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(bad + ":2: malformed JSON");
        var op = file("op.jsonl", "{\"lesson\": \"fine\"}\n\n{\"edits\": [{\"op\": \"add\", \"text\": \"ok\"}, {\"op\": \"rewrite\", \"text\": \"x\"}]}\n");
        assertThatThrownBy(() -> Proposals.read(op, SCOPE)).hasMessage(op + ":3: edit 2 has the unknown op 'rewrite' (add, modify or delete)");
        var inArray = file("arr.json", "[\n  {\"lesson\": \"fine\"},\n  {\"lesson\": \"\"}\n]\n");
        assertThatThrownBy(() -> Proposals.read(inArray, SCOPE)).hasMessage(inArray + ":3: \"lesson\" is not a text");
        var shape = file("shape.json", "{\"text\": \"a lesson without its key\"}");
        assertThatThrownBy(() -> Proposals.read(shape, SCOPE)).hasMessageContaining(shape + ":1: a candidate has \"edits\", \"lesson\" or \"lessons\"");
        var notObject = file("str.jsonl", "\"just a string\"\n");
        assertThatThrownBy(() -> Proposals.read(notObject, SCOPE)).hasMessageContaining(notObject + ":1: expected a JSON object per candidate");
        var scope = file("scope.jsonl", "{\"edits\": [{\"op\": \"add\", \"text\": \"x\", \"scope\": \"everywhere\"}]}");
        assertThatThrownBy(() -> Proposals.read(scope, SCOPE)).hasMessageContaining(scope + ":1: edit 1 has the scope 'everywhere'");
        var modify = file("modify.jsonl", "{\"edits\": [{\"op\": \"modify\", \"text\": \"x\"}]}");
        assertThatThrownBy(() -> Proposals.read(modify, SCOPE)).hasMessageContaining(modify + ":1: edit 1 (modify) has no lesson \"id\"");
        var empty = file("empty.jsonl", "  \n\n");
        assertThatThrownBy(() -> Proposals.read(empty, SCOPE)).hasMessage(empty + ": the file is empty: no candidates");
        var emptyArray = file("none.json", "[]");
        assertThatThrownBy(() -> Proposals.read(emptyArray, SCOPE)).hasMessage(emptyArray + ": no candidates in the file");
        assertThatThrownBy(() -> Proposals.read(dir.resolve("missing.md"), SCOPE)).hasMessageContaining("missing.md: no such file");
        assertThatThrownBy(() -> Proposals.read(bad, "nowhere")).hasMessageContaining("not a scope: nowhere");
    }

    @Test
    void markdownBlocksListItemsWrappedItemsAndHeadings() throws Exception {
        var f = file("lessons.md", """
                # Counting questions
                Answers were whole tables.

                - For a how-many question, submit a query that returns one number.
                * For a total, use SUM over the
                  filtered rows, not COUNT.
                1. Check the year column's type
                   before comparing it.
                ---
                ## Schema
                Describe the tables before writing the query,
                and use the column names you saw.
                ---

                Order rows only when the question asks for an order.

                ----
                """);
        var cs = Proposals.read(f, SCOPE);
        assertThat(cs).hasSize(3);
        assertThat(texts(cs.get(0))).containsExactly("For a how-many question, submit a query that returns one number.",
                "For a total, use SUM over the filtered rows, not COUNT.", "Check the year column's type before comparing it.");
        assertThat(cs.get(0).rationale()).isEqualTo("Counting questions: Answers were whole tables.");
        assertThat(texts(cs.get(1))).as("a block without items is one lesson, its heading dropped")
                .containsExactly("Describe the tables before writing the query, and use the column names you saw.");
        assertThat(cs.get(1).rationale()).isEqualTo("Schema");
        assertThat(texts(cs.get(2))).containsExactly("Order rows only when the question asks for an order.");
        assertThat(cs).allSatisfy(c -> {
            assertThat(c.source()).isEqualTo("file");
            assertThat(c.edits()).allMatch(d -> d.op().equals("add") && d.scope().equals(SCOPE));
        });
        // Any extension but .json/.jsonl is Markdown.
        assertThat(Proposals.read(file("notes.txt", "Just one lesson."), SCOPE)).singleElement()
                .satisfies(c -> assertThat(texts(c)).containsExactly("Just one lesson."));
    }

    @Test
    void markdownErrorsNameTheFileAndTheLine() throws Exception {
        var heading = file("h.md", "- a lesson\n---\n\n# Only a heading\n");
        assertThatThrownBy(() -> Proposals.read(heading, SCOPE)).hasMessage(heading + ":4: the block has a heading but no lesson");
        var item = file("i.md", "- a lesson\n-\n");
        assertThatThrownBy(() -> Proposals.read(item, SCOPE)).hasMessage(item + ":2: an empty list item");
        var blank = file("b.md", "---\n\n---\n");
        assertThatThrownBy(() -> Proposals.read(blank, SCOPE)).hasMessage(blank + ": no candidates in the file");
    }

    @Test
    void theGateTestsAllLessonsOfAFileAsOneCandidate() throws Exception {
        var f = file("gate.md", "- First lesson.\n- Second lesson.\n---\nThird lesson.\n");
        var c = Proposals.gateCandidate(f, SCOPE);
        assertThat(texts(c)).containsExactly("First lesson.", "Second lesson.", "Third lesson.");
        assertThat(c.source()).isEqualTo("file");
        assertThat(c.id()).isNotEqualTo(Proposals.read(f, SCOPE).getFirst().id());
        var json = file("gate.jsonl", "{\"lesson\": \"One.\"}\n{\"lesson\": \"Two.\", \"rationale\": \"why two\"}\n");
        assertThat(texts(Proposals.gateCandidate(json, SCOPE))).containsExactly("One.", "Two.");
        var single = file("single.md", "Only lesson.");
        assertThat(Proposals.gateCandidate(single, SCOPE)).isEqualTo(Proposals.read(single, SCOPE).getFirst());
    }

    @Test
    void aSkillFolderIsACandidate() throws Exception {
        var skill = Files.createDirectories(dir.resolve("sql-check"));
        Files.writeString(skill.resolve("SKILL.md"), "---\nname: sql-check\ndescription: Checks a query against the question before submitting.\n---\n\n# Steps\n1. Re-read.\n");
        var c = Proposals.skill(skill);
        assertThat(c.isSkill()).isTrue();
        assertThat(c.skill()).isEqualTo(skill.toAbsolutePath().normalize());
        assertThat(c.edits()).isEmpty();
        assertThat(c.rationale()).contains("sql-check").contains("Checks a query");
        assertThat(c.title()).isEqualTo("skill sql-check");
        assertThat(Proposals.gateCandidate(skill, SCOPE)).isEqualTo(c);
        assertThat(Proposals.gateCandidate(skill.resolve("SKILL.md"), SCOPE)).isEqualTo(c);

        // The id follows the content: a changed SKILL.md is another candidate.
        Files.writeString(skill.resolve("SKILL.md"), "---\nname: sql-check\ndescription: Checks a query twice.\n---\nbody\n");
        assertThat(Proposals.skill(skill).id()).isNotEqualTo(c.id());

        var noSkill = Files.createDirectories(dir.resolve("empty-folder"));
        assertThatThrownBy(() -> Proposals.skill(noSkill)).hasMessageContaining("it has no SKILL.md");
        assertThatThrownBy(() -> Proposals.gateCandidate(noSkill, SCOPE)).hasMessageContaining("it has no SKILL.md");
        var broken = Files.createDirectories(dir.resolve("broken"));
        Files.writeString(broken.resolve("SKILL.md"), "no front matter here\n");
        assertThatThrownBy(() -> Proposals.skill(broken)).hasMessageContaining("does not load").hasMessageContaining("front matter");
    }
}
