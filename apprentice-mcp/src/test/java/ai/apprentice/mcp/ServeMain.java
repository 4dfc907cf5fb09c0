package ai.apprentice.mcp;

import java.util.LinkedHashMap;
import java.util.Map;

/** A child process for the server test: serves apprentice's MCP tools over stdio with an in-memory backend. */
public final class ServeMain {
    public static void main(String[] args) throws Exception {
        Map<String, String> runs = new LinkedHashMap<>();
        var backend = new ApprenticeBackend() {
            @Override
            public Outcome runTask(String task, String workspace, String model, Integer maxSteps) {
                String id = "run-" + (runs.size() + 1);
                runs.put(id, task);
                return task.contains("fail") ? new Outcome(id, "failed", null, "budget exhausted")
                        : new Outcome(id, "succeeded", "did: " + task + " (max_steps=" + maxSteps + ")", null);
            }

            @Override
            public String listRunsJson(int limit) {
                return "[" + String.join(",", runs.keySet().stream().limit(limit).map(k -> "{\"id\":\"" + k + "\"}").toList()) + "]";
            }

            @Override
            public String getRunJson(String id) {
                if (!runs.containsKey(id)) throw new IllegalArgumentException("No run with id '" + id + "'");
                return "{\"id\":\"" + id + "\",\"task\":\"" + runs.get(id) + "\"}";
            }
        };
        var closed = new java.util.concurrent.CountDownLatch(1);
        var in = new java.io.FilterInputStream(System.in) {
            @Override
            public int read(byte[] b, int off, int len) throws java.io.IOException {
                int n = super.read(b, off, len);
                if (n < 0) closed.countDown();
                return n;
            }
        };
        ApprenticeMcpServer.stdio(backend, in, System.out);
        closed.await(); // the client closed our stdin: done
        System.exit(0);
    }
}
