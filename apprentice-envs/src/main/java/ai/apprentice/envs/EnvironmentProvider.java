package ai.apprentice.envs;

import java.nio.file.Path;
import java.util.List;
import java.util.ServiceLoader;

/**
 * Creates environments by name; registered in {@code META-INF/services/ai.apprentice.envs.EnvironmentProvider}.
 */
public interface EnvironmentProvider {
    /** The names this provider can create. */
    List<String> names();

    /** Creates the named environment; {@code dataDir} is where its data lives, when it needs any. */
    Environment create(String name, Path dataDir);

    /** Every provider on the class path. */
    static List<EnvironmentProvider> all() {
        return ServiceLoader.load(EnvironmentProvider.class).stream().map(ServiceLoader.Provider::get).toList();
    }

    static Environment byName(String name, Path dataDir) {
        for (var p : all()) if (p.names().contains(name)) return p.create(name, dataDir);
        var known = all().stream().flatMap(p -> p.names().stream()).sorted().toList();
        throw new IllegalArgumentException("Unknown environment '" + name + "'. Known: " + String.join(", ", known));
    }
}
