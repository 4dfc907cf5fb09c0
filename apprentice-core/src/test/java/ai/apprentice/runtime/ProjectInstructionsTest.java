package ai.apprentice.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProjectInstructionsTest {
    @TempDir Path root;

    @Test
    void filesFromTheWorkspaceAndItsParentsOuterFirstOneNamePerFolder() throws Exception {
        var sub = Files.createDirectories(root.resolve("repo/module"));
        Files.writeString(root.resolve("APPRENTICE.md"), "Use British spelling.");
        Files.writeString(root.resolve("repo/CLAUDE.md"), "Run mvn verify before you finish.");
        Files.writeString(sub.resolve("AGENTS.md"), "This module targets Java 21.");
        Files.writeString(sub.resolve("CLAUDE.md"), "ignored: AGENTS.md comes first in this folder");
        var files = ProjectInstructions.find(sub);
        assertThat(files).extracting(f -> f.path().getFileName().toString()).containsExactly("APPRENTICE.md", "CLAUDE.md", "AGENTS.md");
        var section = ProjectInstructions.section(sub);
        assertThat(section).startsWith("## Project instructions").contains("Use British spelling.").contains("Java 21").doesNotContain("ignored");
        assertThat(section.indexOf("British")).isLessThan(section.indexOf("Java 21")); // the nearest file comes last
    }

    @Test
    void noneGivesNothingAndHugeFilesAreCut() throws Exception {
        var empty = Files.createDirectories(root.resolve("empty"));
        assertThat(ProjectInstructions.section(empty)).isEmpty();
        Files.writeString(empty.resolve("AGENTS.md"), "x".repeat(ProjectInstructions.MAX_CHARS + 500));
        String text = ProjectInstructions.find(empty).getFirst().text();
        assertThat(text.endsWith("\n[... cut at 20000 characters]")).isTrue();
        assertThat(text.length()).isEqualTo(ProjectInstructions.MAX_CHARS + "\n[... cut at 20000 characters]".length());
    }
}
