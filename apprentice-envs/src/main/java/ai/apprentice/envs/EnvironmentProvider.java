package ai.apprentice.envs;

import ai.apprentice.envs.folder.FolderEnvironment;
import java.nio.file.Path;
import java.util.List;
import java.util.ServiceLoader;

/**
 * Creates environments by name; registered in {@code META-INF/services/ai.apprentice.envs.EnvironmentProvider}.
 * A folder of a person's own tasks needs no provider: {@link #byName} takes its path.
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

    /**
     * The environment a provider names {@code name}; else, when {@code name} is the path of a folder (relative to
     * the working directory, or absolute), the folder of tasks there ({@link FolderEnvironment}), named after the
     * folder. A provider's name wins over a folder of the same name in the working directory: write {@code ./NAME}
     * for the folder. Throws {@link IllegalArgumentException} with what is known, or what is wrong in the folder.
     */
    static Environment byName(String name, Path dataDir) {
        for (var p : all()) if (p.names().contains(name)) return p.create(name, dataDir);
        var folder = FolderEnvironment.at(name);
        if (folder.isPresent()) return folder.get();
        if (name.contains("/")) {
            throw new IllegalArgumentException("No folder of tasks at '" + name + "': it does not exist (apprentice env new NAME makes one)");
        }
        var known = all().stream().flatMap(p -> p.names().stream()).sorted().toList();
        throw new IllegalArgumentException("Unknown environment '" + name + "'. Known: " + String.join(", ", known)
                + "; or the path of a folder of tasks, such as ./my-tasks (apprentice env new NAME makes one)");
    }
}
