package ai.apprentice.envs.taubench;

import ai.apprentice.testkit.Requirements;
import java.nio.file.Path;

/** The shared tau-bench data for tests, {@code ../shared/benchmarks/taubench}: see {@link Requirements#sharedDir}. */
public final class SharedData {
    private SharedData() {}

    public static Path taubench() {
        return Requirements.sharedDir("benchmarks/taubench");
    }
}
