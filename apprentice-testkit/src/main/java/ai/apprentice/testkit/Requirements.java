package ai.apprentice.testkit;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.opentest4j.TestAbortedException;

/**
 * What a test needs from outside the project ({@code ../shared}, bubblewrap, python3, node, npm). When it is
 * missing, a developer's run aborts the test with a message saying what is missing and how to get it; in CI
 * ({@code CI=true}) the test fails with the same message instead, so nothing is ever skipped there.
 */
public final class Requirements {
    private static final Map<String, String> PROBED = new ConcurrentHashMap<>(); // command -> "" if it works, else why not

    private Requirements() {}

    /** Needs {@code what}; {@code present} says whether it is there, {@code howToGetIt} how to get it if not. */
    public static void need(String what, boolean present, String howToGetIt) {
        need(what, present, howToGetIt, System.getenv());
    }

    /** Needs {@code what}: {@code probe} returns it, or throws with the reason it is missing (and how to get it). */
    public static <T> T need(String what, Callable<T> probe) {
        return need(what, probe, System.getenv());
    }

    static void need(String what, boolean present, String howToGetIt, Map<String, String> env) {
        if (!present) missing("needs " + what + ": not found (" + howToGetIt + ")", null, env);
    }

    static <T> T need(String what, Callable<T> probe, Map<String, String> env) {
        try {
            return probe.call();
        } catch (TestAbortedException e) {
            throw e; // a requirement inside the probe already said what is missing
        } catch (Exception e) {
            return missing("needs " + what + ": " + e.getMessage(), e, env);
        }
    }

    private static <T> T missing(String message, Throwable cause, Map<String, String> env) {
        if ("true".equalsIgnoreCase(env.get("CI"))) return Assertions.fail(message, cause);
        Assumptions.abort(message);
        throw new AssertionError(message); // not reached: abort throws
    }

    /** Bubblewrap that can actually create a sandbox here (the same check as {@code Sandbox.probe()}). */
    public static void bubblewrap() {
        need("bubblewrap", () -> command("apt-get install bubblewrap", "bwrap", "--ro-bind", "/", "/", "--dev", "/dev",
                "--unshare-net", "--die-with-parent", "true"));
    }

    public static void python3() {
        need("python3", () -> command("apt-get install python3", "python3", "--version"));
    }

    public static void node() {
        need("node", () -> command("apt-get install nodejs", "node", "--version"));
    }

    public static void npm() {
        need("npm", () -> command("apt-get install npm", "npm", "--version"));
    }

    /**
     * {@code ../shared/<relative>}: the folder {@code shared} beside the repository (or beside any folder above the
     * working directory, which is a module's folder when Maven runs the tests).
     */
    public static Path sharedDir(String relative) {
        return need("../shared/" + relative, () -> findShared(Path.of("").toAbsolutePath(), relative));
    }

    static Path findShared(Path from, String relative) {
        for (Path p = from; p != null && p.getParent() != null; p = p.getParent()) {
            var candidate = p.resolveSibling("shared").resolve(relative);
            if (Files.exists(candidate)) return candidate;
        }
        throw new IllegalStateException("not found in a folder shared/ beside the repository or any folder above " + from
                + " (put the shared benchmark data there)");
    }

    /** Runs a probe command once per JVM; throws with the reason if it cannot be started or fails. */
    static Void command(String howToGetIt, String... command) {
        var key = String.join(" ", command);
        var problem = PROBED.computeIfAbsent(key, k -> {
            try {
                var p = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
                var out = new String(p.getInputStream().readAllBytes()).strip();
                if (!p.waitFor(30, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    return key + " did not finish within 30 s";
                }
                return p.exitValue() == 0 ? "" : key + " exited with " + p.exitValue() + ": " + out;
            } catch (java.io.IOException e) {
                return command[0] + " is not on the PATH (" + howToGetIt + ")";
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return key + " was interrupted";
            }
        });
        if (!problem.isEmpty()) throw new IllegalStateException(problem);
        return null;
    }
}
