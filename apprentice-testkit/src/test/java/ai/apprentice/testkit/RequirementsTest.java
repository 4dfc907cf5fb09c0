package ai.apprentice.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

class RequirementsTest {
    static final Map<String, String> DEVELOPER = Map.of();
    static final Map<String, String> CI = Map.of("CI", "true");

    @Test
    void aMissingThingAbortsOutsideCiAndFailsInCi() {
        assertThatThrownBy(() -> Requirements.need("frobnicator", () -> { throw new IllegalStateException("not installed"); }, DEVELOPER))
                .isInstanceOf(TestAbortedException.class).hasMessage("needs frobnicator: not installed");
        assertThatThrownBy(() -> Requirements.need("frobnicator", () -> { throw new IllegalStateException("not installed"); }, CI))
                .isInstanceOf(AssertionFailedError.class).hasMessage("needs frobnicator: not installed");
        assertThatThrownBy(() -> Requirements.need("frobnicator", false, "apt-get install frobnicator", DEVELOPER))
                .isInstanceOf(TestAbortedException.class).hasMessage("needs frobnicator: not found (apt-get install frobnicator)");
        assertThatThrownBy(() -> Requirements.need("frobnicator", false, "apt-get install frobnicator", CI))
                .isInstanceOf(AssertionFailedError.class).hasMessage("needs frobnicator: not found (apt-get install frobnicator)");
    }

    @Test
    void aPresentThingPasses() {
        assertThat(Requirements.need("answer", () -> 42, CI)).isEqualTo(42);
        Requirements.need("answer", true, "-", CI);
    }

    @Test
    void aRequirementInsideAProbeKeepsItsOwnMessage() {
        assertThatThrownBy(() -> Requirements.need("outer", () -> Requirements.need("inner", () -> { throw new IllegalStateException("gone"); }, DEVELOPER), DEVELOPER))
                .isInstanceOf(TestAbortedException.class).hasMessage("needs inner: gone");
    }

    @Test
    void sharedIsFoundBesideAnyFolderAbove(@TempDir Path root) throws Exception {
        var data = Files.createDirectories(root.resolve("shared/benchmarks/x"));
        var module = Files.createDirectories(root.resolve("repo/apprentice-y"));
        assertThat(Requirements.findShared(module, "benchmarks/x")).isEqualTo(data);
        assertThatThrownBy(() -> Requirements.findShared(module, "benchmarks/none")).hasMessageContaining("shared/");
    }

    @Test
    void aCommandThatIsNotThereIsExplained() {
        assertThatThrownBy(() -> Requirements.need("nothing", () -> Requirements.command("no such command", "apprentice-no-such-command-42"), DEVELOPER))
                .isInstanceOf(TestAbortedException.class)
                .hasMessage("needs nothing: apprentice-no-such-command-42 is not on the PATH (no such command)");
    }
}
