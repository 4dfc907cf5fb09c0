package ai.apprentice.skills;

import java.nio.file.Path;

/**
 * Something wrong with a skill, at a file and line. FATAL means the skill cannot be loaded; VIOLATION means
 * it breaks the Agent Skills specification but still loads (real-world skills often do), with a warning.
 */
public record SkillProblem(Path file, int line, Severity severity, String message) {
    public enum Severity { FATAL, VIOLATION }

    @Override
    public String toString() {
        return file + (line > 0 ? ":" + line : "") + ": " + (severity == Severity.FATAL ? "error: " : "warning: ") + message;
    }
}
