package ai.apprentice.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.apprentice.json.Json;
import ai.apprentice.memory.playbook.Lesson;
import ai.apprentice.memory.playbook.Playbook;
import ai.apprentice.memory.playbook.Routing;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A session's overlay made in one harness (the learner's) and applied in another with its own home (a worker's):
 * the agent built there reads the same lessons, routing and candidate skill.
 */
class SessionOverlayTest {
    @TempDir Path learnerHome;
    @TempDir Path workerHome;
    @TempDir Path ws;
    @TempDir Path candidate;

    static final Map<String, Object> FLAGS = Map.of("model", "scripted:s.jsonl", "memory", "off");

    @Test
    void theAgentUnderTestIsTheSameAgentOnAnotherHarness() throws Exception {
        Files.writeString(ws.resolve("s.jsonl"), "{\"text\": \"hi\"}\n");
        Files.writeString(ws.resolve("cheap.jsonl"), "{\"text\": \"hi\"}\n");
        var skill = Files.createDirectories(candidate.resolve("greet"));
        Files.writeString(skill.resolve("SKILL.md"), "---\nname: greet\ndescription: Greets people by name.\n---\nSay hello, then the name.\n");
        Files.createDirectories(skill.resolve("scripts"));
        Files.writeString(skill.resolve("scripts/hello.sh"), "echo hello \"$1\"\n");
        var playbook = new Playbook(List.of(new Lesson("L-1", "Open containers to find keys.", "environment:textworld", 0, 0, List.of("r1")),
                new Lesson("L-2", "Say please.", "user", 0, 0, List.of())), Playbook.DEFAULT_TOKEN_BUDGET);

        String overlay;
        String learnerInstructions;
        try (var learner = Harness.builder().home(learnerHome).env(Map.of()).build()) {
            var session = learner.session(ws, FLAGS).withPlaybook(playbook).withLessonScopes(List.of("user"))
                    .withRouting(new Routing(new java.util.TreeMap<>(Map.of("environment:textworld", "scripted:cheap.jsonl"))))
                    .withSkillRoot(candidate);
            overlay = session.overlay().toString(); // it travels as text, in a workflow's input
            learnerInstructions = session.builder(AgentSpec.environment("textworld", "Play.", List.of(), 10, true, false)).build().instructions();
            assertThat(session.skills().get("greet")).isPresent();
        }
        assertThat(learnerInstructions).contains("Open containers to find keys.").contains("Say please.").contains("greet");

        try (var worker = Harness.builder().home(workerHome).env(Map.of()).build()) {
            var plain = worker.session(ws, FLAGS);
            assertThat(plain.playbook().lessons()).isEmpty(); // the worker's own store has no lessons
            var scratch = workerHome.resolve("engine/skills");
            var session = plain.withOverlay(Json.tree(overlay), scratch);
            assertThat(session.playbook()).isEqualTo(playbook);
            assertThat(session.routing().model("environment:textworld")).contains("scripted:cheap.jsonl");
            assertThat(session.skills().get("greet")).isPresent();
            var instructions = session.builder(AgentSpec.environment("textworld", "Play.", List.of(), 10, true, false)).build().instructions();
            assertThat(instructions).isEqualTo(learnerInstructions);
            try (var unpacked = Files.list(scratch)) {
                var dir = unpacked.filter(Files::isDirectory).filter(p -> !p.getFileName().toString().startsWith(".")).toList();
                assertThat(dir).singleElement().satisfies(d -> assertThat(Files.readString(d.resolve("greet/scripts/hello.sh"))).isEqualTo("echo hello \"$1\"\n"));
            }
            // the same skills again: the same folder, not another copy
            plain.withOverlay(Json.tree(overlay), scratch);
            try (var unpacked = Files.list(scratch)) {
                assertThat(unpacked.filter(p -> !p.getFileName().toString().startsWith("."))).hasSize(1);
            }
        }
    }

    @Test
    void aSkillFileOutsideItsFolderOrNotTextIsRefused() throws Exception {
        var scratch = workerHome.resolve("engine/skills");
        for (var path : List.of("../escape/SKILL.md", "/etc/passwd", "a//b", "a/./b")) {
            var packed = Json.object();
            packed.putObject("files").put(path, "x");
            assertThatThrownBy(() -> SkillFolders.unpack(packed, scratch)).as(path).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("not a relative skill file path");
        }
        assertThat(workerHome.resolve("escape")).doesNotExist();
        Files.write(Files.createDirectories(candidate.resolve("bin")).resolve("tool"), new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1});
        assertThatThrownBy(() -> SkillFolders.pack(candidate)).hasMessageContaining("is not UTF-8 text");
        try (var worker = Harness.builder().home(workerHome).env(Map.of()).build()) {
            assertThatThrownBy(() -> worker.session(ws, FLAGS).withOverlay(Json.tree("[1]"), scratch)).hasMessageContaining("a session overlay is a JSON object");
            assertThatThrownBy(() -> worker.session(ws, FLAGS).withOverlay(Json.tree("{\"playbook\": {\"lessons\": 3}}"), scratch))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }
}
