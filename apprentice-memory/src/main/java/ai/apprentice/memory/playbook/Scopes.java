package ai.apprentice.memory.playbook;

import java.util.List;

/** Where a lesson applies: every run of the user, one workspace, or one environment's agent. */
public final class Scopes {
    public static final String USER = "user";

    private Scopes() {}

    public static String workspace(java.nio.file.Path path) {
        return "workspace:" + path.toAbsolutePath().normalize();
    }

    public static String environment(String name) {
        return "environment:" + name;
    }

    static void check(String scope) {
        if (scope == null || !(scope.equals(USER) || (scope.startsWith("workspace:") && scope.length() > 10)
                || (scope.startsWith("environment:") && scope.length() > 12))) {
            throw new IllegalArgumentException("scope must be user, workspace:PATH or environment:NAME, got " + scope);
        }
    }

    /** The scopes an agent reads: the standard agent its user's and workspace's; an environment's agent only its environment's. */
    public static List<String> forAgent(java.nio.file.Path workspace, String environment) {
        return environment != null ? List.of(environment(environment)) : List.of(USER, workspace(workspace));
    }
}
