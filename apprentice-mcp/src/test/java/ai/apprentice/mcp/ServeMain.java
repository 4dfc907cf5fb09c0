package ai.apprentice.mcp;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** A child process for the server tests: serves apprentice's MCP tools over stdio with an in-memory backend. */
public final class ServeMain {
    /** An in-memory backend: a task with "fail" fails, one with "slow" reports progress until it is cancelled. */
    static final class Backend implements ApprenticeBackend {
        final Map<String, String> runs = new ConcurrentHashMap<>();

        @Override
        public Outcome runTask(String task, Path workspace, String model, Integer maxSteps, Control control) throws InterruptedException {
            String id = "run-" + (runs.size() + 1);
            runs.put(id, task);
            if (task.contains("slow")) {
                var cancelled = new CountDownLatch(1);
                control.onCancel(cancelled::countDown);
                for (int i = 1; i <= 120; i++) {
                    control.progress("step " + i);
                    if (cancelled.await(100, TimeUnit.MILLISECONDS)) return new Outcome(id, "cancelled", null, "cancelled by the client at step " + i);
                }
                return new Outcome(id, "succeeded", "slow work done", null);
            }
            return task.contains("fail") ? new Outcome(id, "failed", null, "budget exhausted")
                    : new Outcome(id, "succeeded", "did: " + task + " (max_steps=" + maxSteps + ", in " + workspace.getFileName() + ")", null);
        }

        @Override
        public String listRunsJson(int limit) {
            return "[" + String.join(",", runs.keySet().stream().sorted().limit(limit).map(k -> "{\"id\":\"" + k + "\"}").toList()) + "]";
        }

        @Override
        public String getRunJson(String id) {
            if (!runs.containsKey(id)) throw new IllegalArgumentException("No run with id '" + id + "'");
            return "{\"id\":\"" + id + "\",\"task\":\"" + runs.get(id) + "\"}";
        }

        /** Newest first: run-N before run-(N-1), as a store orders by start. */
        @Override
        public RunIds runIds(String prefix, int limit) {
            var ids = runs.keySet().stream().filter(id -> id.startsWith(prefix))
                    .sorted(java.util.Comparator.comparingInt((String id) -> Integer.parseInt(id.substring(4))).reversed()).toList();
            return new RunIds(ids.stream().limit(limit).toList(), ids.size());
        }

        @Override
        public List<Prompt> prompts() {
            // "review" says nothing about its arguments; the others have an argument-hint (or names) to complete from.
            return List.of(new Prompt("review", "Review the changes", "Review the staged changes for bugs."),
                    new Prompt("release", "Cut a release", "Bump the version.", "[major|minor|patch] [notes]", List.of()),
                    new Prompt("tags", "Manage tags", "Change the tags.", "add [tag] | remove [tag] | list", List.of()),
                    new Prompt("explain", "Explain a file", "Explain the file.", null, List.of("file", "question")),
                    new Prompt("lint", "Lint files", "Lint the files.", "[files...]", List.of()));
        }
    }

    public static void main(String[] args) throws Exception {
        var root = Path.of(args.length > 0 ? args[0] : ".");
        var backend = new Backend();
        // A second argument: that many runs already stored (run-1 ... run-N).
        for (int i = 1; args.length > 1 && i <= Integer.parseInt(args[1]); i++) backend.runs.put("run-" + i, "stored task " + i);
        try (var server = ApprenticeMcpServer.stdio(backend, ApprenticeMcpServer.Options.confinedTo(root), System.in, System.out)) {
            server.awaitEnd(); // the client closed our stdin: done
        }
        System.exit(0);
    }
}
