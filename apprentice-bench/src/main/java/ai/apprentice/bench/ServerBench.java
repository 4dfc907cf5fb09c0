package ai.apprentice.bench;

import ai.apprentice.cli.CliContext;
import ai.apprentice.cli.Trees;
import ai.apprentice.harness.Harness;
import ai.apprentice.json.Json;
import ai.apprentice.runtime.RunHandle;
import ai.apprentice.runtime.RunStatus;
import ai.apprentice.server.ApprenticeServer;
import ai.apprentice.server.ServerOptions;
import ai.apprentice.testkit.MockOpenAiServer;
import ai.apprentice.testkit.MockReply;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code apprentice serve} under load: N concurrent runs against the mock OpenAI-compatible server, created over
 * HTTP with S SSE subscribers spread over them, against the same N runs started in process through
 * {@code Harness.session(...).start(...)} with no HTTP, measured in the same run. Also: the delay from an event's
 * store write to its arrival at a subscriber, the server heap per idle subscriber, and the start time.
 */
@Command(name = "server", description = "apprentice serve under load: N concurrent runs with S SSE subscribers against the same runs in process; "
        + "event delivery delay, heap per idle subscriber, start time.")
final class ServerBench implements Callable<Integer> {
    private final CliContext cli;
    @Option(names = "--runs", defaultValue = "100", description = "Concurrent runs (default ${DEFAULT-VALUE}).") int runs;
    @Option(names = "--subscribers", defaultValue = "1000", description = "SSE subscribers, spread evenly over the runs (default ${DEFAULT-VALUE}).") int subscribers;
    @Option(names = "--steps", defaultValue = "5", description = "Model calls per run on average: steps-1 tool calls and a final answer (default ${DEFAULT-VALUE}).") int steps;
    @Option(names = "--warmups", defaultValue = "1", description = "Unmeasured rounds of each measure before it, at the full size, for the JIT (default ${DEFAULT-VALUE}).") int warmups;
    @Option(names = "--model-delay-ms", defaultValue = "0", description = "How long the mock model takes per call, as a real one does; "
            + "0 (the default) answers at once, which makes both measures CPU-bound (default ${DEFAULT-VALUE}).") int modelDelayMs;
    @Option(names = "--idle", defaultValue = "1000", description = "Idle subscribers held open for the memory measure (default ${DEFAULT-VALUE}).") int idle;

    ServerBench(CliContext cli) {
        this.cli = cli;
    }

    /** Commit-at-once events: their {@code at} is set just before the store writes (and commits) them. */
    static final Set<String> COMMITTED_AT_ONCE = Set.of("run_started", "run_resumed", "step_completed", "run_finished", "error", "memory_updated");

    @Override
    public Integer call() throws Exception {
        if (runs < 1 || subscribers < 0 || steps < 1 || idle < 0 || warmups < 0 || modelDelayMs < 0) {
            throw new ai.apprentice.cli.UsageException("--runs and --steps must be at least 1, --subscribers, --idle, --warmups and --model-delay-ms at least 0");
        }
        var tmp = Files.createTempDirectory("apprentice-bench-server");
        var quiet = new PrintStream(OutputStream.nullOutputStream());
        try (var mock = new MockOpenAiServer()) {
            mock.fallback(MockReply.text("done")).delay(Duration.ofMillis(modelDelayMs));
            var workspace = Files.createDirectories(tmp.resolve("workspace"));
            Files.writeString(workspace.resolve("a.txt"), "hello\n");
            var flags = new LinkedHashMap<String, Object>();
            flags.put("model", "openai:mock");
            flags.put("base_url", mock.baseUrl());
            flags.put("memory", "off");
            flags.put("approve", "auto");
            flags.put("max_steps", runs * steps + 1);
            Map<String, String> env = Map.of("OPENAI_API_KEY", "k", "APPRENTICE_SANDBOX", "off");

            // warm-up, unmeasured, at the full size: the JIT compiles the harness, client and store (a fifth of the runs
            // left it compiling through the measure: its time in the phase was as large as the phase's own)
            try (var h = Harness.builder().home(tmp.resolve("home-warmup")).env(env).err(quiet).build()) {
                for (int w = 0; w < warmups; w++) inProcess(h, mock, workspace, flags, runs);
            }
            // (a) baseline: the same runs in process, no HTTP
            double baselineSeconds;
            double baselineCpu;
            double baselineJit;
            try (var h = Harness.builder().home(tmp.resolve("home-baseline")).env(env).err(quiet).build()) {
                long c0 = cpuNanos();
                long j0 = jitMillis();
                baselineSeconds = inProcess(h, mock, workspace, flags, runs);
                baselineCpu = (cpuNanos() - c0) / 1e9;
                baselineJit = (jitMillis() - j0) / 1e3;
            }

            // (b) the server, over a fresh home
            var harness = Harness.builder().home(tmp.resolve("home-server")).env(env).err(quiet).build();
            var token = "bench-" + java.util.UUID.randomUUID();
            var options = ServerOptions.defaults(0, workspace).withDefaults(flags).withToken(token)
                    .withLimits(runs + 1, Duration.ofMinutes(5), Duration.ofSeconds(15));
            long s0 = System.nanoTime();
            var server = ApprenticeServer.start(harness, options, quiet);
            var http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
            while (http.send(HttpRequest.newBuilder(URI.create(server.url() + "/health")).build(), HttpResponse.BodyHandlers.discarding()).statusCode() != 200) {
                Thread.onSpinWait();
            }
            double startMs = (System.nanoTime() - s0) / 1e6;
            try {
                // warm-up, unmeasured, the same load: the server's path (Jetty, the API, the streams) is compiled as the
                // in-process path is before its measure; a server that has been up a while is warm
                for (int w = 0; w < warmups; w++) serverLoad(server, token, http, mock, runs, subscribers);
                long c0 = cpuNanos();
                long j0 = jitMillis();
                var load = serverLoad(server, token, http, mock, runs, subscribers);
                double serverCpu = (cpuNanos() - c0) / 1e9;
                double serverJit = (jitMillis() - j0) / 1e3;
                var idleHeap = idleSubscribers(server, token, http, mock);

                double baselineRps = runs / baselineSeconds;
                double serverRps = runs / load.seconds;
                var out = Json.object().put("benchmark", "server_under_load").put("runs", runs).put("subscribers", subscribers)
                        .put("steps", steps).put("model_delay_ms", modelDelayMs).put("model", "openai:mock over the mock OpenAI-compatible server (apprentice-testkit), real HTTP/SSE")
                        .put("cores", Runtime.getRuntime().availableProcessors());
                out.putObject("baseline_in_process").put("seconds", round(baselineSeconds)).put("runs_per_second", round(baselineRps))
                        .put("cpu_seconds", round(baselineCpu)).put("jit_seconds", round(baselineJit));
                var sv = out.putObject("server");
                sv.put("seconds", round(load.seconds)).put("runs_per_second", round(serverRps)).put("cpu_seconds", round(serverCpu)).put("jit_seconds", round(serverJit))
                        .put("ratio_to_baseline", round(serverRps / baselineRps)).put("target_ratio", 0.8)
                        .put("runs_succeeded", load.succeeded).put("subscribers_complete", load.complete)
                        .put("events_stored", load.stored).put("events_delivered", load.delivered);
                var d = out.putObject("delivery_delay_ms");
                d.put("note", "from_store_commit (the target): arrival at the subscriber minus the moment the run store finished "
                        + "committing the event (told by the server right after the commit), for the events the store commits at once: "
                        + "run_started, step_completed, run_finished. committed_at_once and all_live measure from the event's 'at' "
                        + "instead (set before the event waits for the store's lock, so they include that wait); all_live also counts "
                        + "events the store holds back until their step ends (tool calls, results, usage). Events already stored when "
                        + "a subscriber connected (replayed) are left out and counted.");
                stats(d.putObject("from_store_commit"), load.fromCommit);
                stats(d.putObject("committed_at_once"), load.committedDelays);
                stats(d.putObject("all_live"), load.allDelays);
                d.put("replayed_events", load.replayed.get()).put("target_p99_ms", 100)
                        .put("meets_target", !load.fromCommit.isEmpty() && percentile(load.fromCommit, 99) < 100);
                out.putObject("memory_per_idle_subscriber").put("subscribers", idleHeap[0]).put("heap_before_bytes", idleHeap[1])
                        .put("heap_after_bytes", idleHeap[2]).put("bytes_per_subscriber", idleHeap[0] == 0 ? 0 : (idleHeap[2] - idleHeap[1]) / idleHeap[0])
                        .put("note", "heap used after System.gc() with the subscribers open on one live, idle run, minus before; client "
                                + "and server share this JVM, but the clients are bare sockets (no thread, no buffer beyond the socket's), "
                                + "so nearly all of it is the server's: a request, its virtual thread parked in the stream, the subscription");
                out.put("start_ms", round(startMs)).put("start_note", "ApprenticeServer.start called to GET /health answering 200 (harness built before)");
                cli.out().println(out.toPrettyString());
                return load.succeeded == runs && load.complete == subscribers ? 0 : 1;
            } finally {
                server.close();
                harness.close();
            }
        } finally {
            Trees.deleteTree(tmp);
        }
    }

    /** Enqueues (steps-1) tool calls per run in the mock's one shared queue, then the fallback answers "done". */
    private void script(MockOpenAiServer mock, int n) {
        var calls = new MockReply[n * (steps - 1)];
        for (int i = 0; i < calls.length; i++) calls[i] = MockReply.toolCalls(MockReply.call("read_file", "{\"path\": \"a.txt\"}"));
        mock.enqueue(calls);
    }

    /** N runs started at once in process; the wall time until all ended, in seconds. */
    private double inProcess(Harness h, MockOpenAiServer mock, Path workspace, Map<String, Object> flags, int n) throws Exception {
        script(mock, n);
        long t0 = System.nanoTime();
        var handles = new ArrayList<RunHandle>();
        for (int i = 0; i < n; i++) handles.add(h.session(workspace, flags).start("benchmark run " + i));
        for (var handle : handles) {
            var r = handle.future().get(10, TimeUnit.MINUTES);
            if (r.status() != RunStatus.SUCCEEDED) throw new IllegalStateException("an in-process run did not succeed: " + r);
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    private record Load(double seconds, int succeeded, int complete, long stored, long delivered, List<Double> committedDelays,
                        List<Double> allDelays, List<Double> fromCommit, AtomicInteger replayed) {}

    private Load serverLoad(ApprenticeServer server, String token, HttpClient http, MockOpenAiServer mock, int runs, int subscribers) throws Exception {
        script(mock, runs);
        var committed = new ConcurrentLinkedQueue<Double>();
        var all = new ConcurrentLinkedQueue<Double>();
        var fromCommit = new ConcurrentLinkedQueue<Double>();
        // when the store committed each event it commits at once, by run and the event's own time (unique within a run)
        var commits = new java.util.concurrent.ConcurrentHashMap<String, Instant>();
        server.onEventCommitted((e, at) -> commits.put(e.runId() + "|" + e.at(), at));
        var replayed = new AtomicInteger();
        var complete = new AtomicInteger();
        var delivered = new java.util.concurrent.atomic.AtomicLong();
        var done = new CountDownLatch(subscribers);
        var ids = new ArrayList<String>();
        var threads = new ArrayList<Thread>();
        long t0 = System.nanoTime();
        for (int i = 0; i < runs; i++) {
            var res = http.send(HttpRequest.newBuilder(URI.create(server.url() + "/api/runs")).header("Authorization", "Bearer " + token)
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"task\": \"benchmark run " + i + "\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (res.statusCode() != 201) throw new IllegalStateException("POST /api/runs answered " + res.statusCode() + ": " + res.body());
            var id = Json.tree(res.body()).path("id").asText();
            ids.add(id);
            int mine = subscribers / runs + (i < subscribers % runs ? 1 : 0);
            for (int k = 0; k < mine; k++) {
                threads.add(Thread.ofVirtual().name("subscriber-" + i + "-" + k).start(() -> {
                    try {
                        subscribe(server, token, http, id, committed, all, replayed, delivered, complete, commits, fromCommit);
                    } finally {
                        done.countDown();
                    }
                }));
            }
        }
        if (!done.await(10, TimeUnit.MINUTES)) throw new IllegalStateException("subscribers did not all get run_finished in 10 minutes");
        // every run ended: the subscribers saw run_finished of each (a run with no subscriber is waited for here)
        int succeeded = 0;
        long stored = 0;
        for (var id : ids) {
            var run = awaitFinished(server, token, http, id);
            if (run.path("status").asText().equals("succeeded")) succeeded++;
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        for (var id : ids) stored += server.harness().store().eventsAfter(id, 0, 100_000).size();
        server.onEventCommitted(null);
        return new Load(seconds, succeeded, complete.get(), stored, delivered.get(), List.copyOf(committed), List.copyOf(all), List.copyOf(fromCommit), replayed);
    }

    private static com.fasterxml.jackson.databind.JsonNode awaitFinished(ApprenticeServer server, String token, HttpClient http, String id) throws Exception {
        while (true) {
            var res = http.send(HttpRequest.newBuilder(URI.create(server.url() + "/api/runs/" + id)).header("Authorization", "Bearer " + token).build(),
                    HttpResponse.BodyHandlers.ofString());
            var run = Json.tree(res.body());
            var status = run.path("status").asText();
            if (!status.equals("running") && !status.equals("queued")) return run;
            Thread.sleep(10);
        }
    }

    /**
     * One subscriber: reads the stream to run_finished, timing each event; complete when it got events 1..N in order. A
     * lean client (a socket, HTTP/1.1 chunked decoding, the event's {@code at} found by text rather than a JSON parse of
     * every event) so that the client work sharing the two cores with the server stays small.
     */
    private static void subscribe(ApprenticeServer server, String token, HttpClient http, String id, ConcurrentLinkedQueue<Double> committed,
                                  ConcurrentLinkedQueue<Double> all, AtomicInteger replayed, java.util.concurrent.atomic.AtomicLong delivered,
                                  AtomicInteger complete, java.util.Map<String, Instant> commits, ConcurrentLinkedQueue<Double> fromCommit) {
        try (var socket = new Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(600_000);
            socket.getOutputStream().write(("GET /api/runs/" + id + "/events HTTP/1.1\r\nHost: 127.0.0.1:" + server.port()
                    + "\r\nAuthorization: Bearer " + token + "\r\nAccept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            var raw = new java.io.BufferedInputStream(socket.getInputStream(), 65536);
            var status = headerLine(raw);
            if (status == null || !status.startsWith("HTTP/1.1 200")) return;
            boolean chunked = false;
            for (var h = headerLine(raw); h != null && !h.isEmpty(); h = headerLine(raw)) {
                var lower = h.toLowerCase(java.util.Locale.ROOT);
                if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) chunked = true;
            }
            Instant connected = Instant.now();
            var lines = new java.io.BufferedReader(new java.io.InputStreamReader(chunked ? new Dechunked(raw) : raw, StandardCharsets.UTF_8), 65536);
            long expect = 1;
            boolean ok = true;
            String type = null;
            String data = null;
            Long seq = null;
            for (var line = lines.readLine(); line != null; line = lines.readLine()) {
                if (line.isEmpty()) {
                    if (seq != null && data != null) {
                        var arrived = Instant.now();
                        delivered.incrementAndGet();
                        ok &= seq == expect++;
                        int a = data.indexOf("\"at\":\""); // the event's own time: the first "at" of its JSON
                        var at = instant(data.substring(a + 6, data.indexOf('"', a + 6)));
                        if (at.isBefore(connected)) {
                            replayed.incrementAndGet();
                        } else {
                            double ms = Duration.between(at, arrived).toNanos() / 1e6;
                            all.add(ms);
                            if (COMMITTED_AT_ONCE.contains(type)) {
                                committed.add(ms);
                                var c = commits.get(id + "|" + at);
                                if (c != null) fromCommit.add(Duration.between(c, arrived).toNanos() / 1e6);
                            }
                        }
                        if ("run_finished".equals(type)) {
                            if (ok) complete.incrementAndGet();
                            return;
                        }
                    }
                    type = null;
                    data = null;
                    seq = null;
                } else if (line.startsWith("id: ")) {
                    seq = Long.parseLong(line.substring(4));
                } else if (line.startsWith("event: ")) {
                    type = line.substring(7);
                } else if (line.startsWith("data: ")) {
                    data = line.substring(6);
                }
            }
        } catch (Exception e) {
            // counted as incomplete
        }
    }

    /**
     * {@code Instant.parse} for the UTC form events carry ({@code 2026-12-04T18:41:42.789123Z}), without the general
     * formatter: it was a third of the subscribers' CPU, which shares the two cores with the server measured.
     */
    static Instant instant(String s) {
        if (s.length() < 20 || s.charAt(4) != '-' || s.charAt(10) != 'T' || s.charAt(19) == ',' || s.charAt(s.length() - 1) != 'Z') return Instant.parse(s);
        long day = java.time.LocalDate.of(digits(s, 0, 4), digits(s, 5, 7), digits(s, 8, 10)).toEpochDay();
        long second = day * 86_400 + digits(s, 11, 13) * 3600L + digits(s, 14, 16) * 60L + digits(s, 17, 19);
        int nanos = 0;
        if (s.charAt(19) == '.') {
            int end = s.length() - 1;
            if (end - 20 > 9) return Instant.parse(s);
            nanos = digits(s, 20, end);
            for (int i = end - 20; i < 9; i++) nanos *= 10;
        } else if (s.length() != 20) {
            return Instant.parse(s);
        }
        return Instant.ofEpochSecond(second, nanos);
    }

    private static int digits(String s, int from, int to) {
        int n = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') throw new java.time.format.DateTimeParseException("not a UTC instant", s, i);
            n = n * 10 + (c - '0');
        }
        return n;
    }

    /** A header line (ASCII) without its CRLF; null at the end of the stream. */
    private static String headerLine(InputStream in) throws java.io.IOException {
        var sb = new StringBuilder();
        for (int b = in.read(); b >= 0; b = in.read()) {
            if (b == '\n') return sb.toString();
            if (b != '\r') sb.append((char) b);
        }
        return sb.isEmpty() ? null : sb.toString();
    }

    /** The body of an HTTP/1.1 chunked response, read in bulk. */
    private static final class Dechunked extends InputStream {
        private final InputStream in;
        private long left;
        private boolean done;

        Dechunked(InputStream in) {
            this.in = in;
        }

        private boolean next() throws java.io.IOException {
            if (done) return false;
            if (left == 0) {
                var size = headerLine(in);
                if (size != null && size.isEmpty()) size = headerLine(in); // the CRLF after the previous chunk
                if (size == null) return !(done = true);
                left = Long.parseLong(size.split(";")[0].strip(), 16);
                if (left == 0) return !(done = true);
            }
            return true;
        }

        @Override
        public int read() throws java.io.IOException {
            if (!next()) return -1;
            int b = in.read();
            if (b >= 0) left--;
            return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws java.io.IOException {
            if (len == 0) return 0;
            if (!next()) return -1;
            int n = in.read(buf, off, (int) Math.min(len, left));
            if (n > 0) left -= n;
            return n;
        }
    }

    /**
     * Heap after GC with {@code idle} subscribers open on one live run that waits (its model call hangs), minus the heap
     * before they connected; returns {subscribers, before, after}.
     */
    private long[] idleSubscribers(ApprenticeServer server, String token, HttpClient http, MockOpenAiServer mock) throws Exception {
        if (idle == 0) return new long[] {0, 0, 0};
        mock.enqueue(MockReply.hang());
        var res = http.send(HttpRequest.newBuilder(URI.create(server.url() + "/api/runs")).header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"task\": \"idle\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        var id = Json.tree(res.body()).path("id").asText();
        // wait until the run is live and its first event is stored
        while (server.harness().store().eventsAfter(id, 0, 1).isEmpty()) Thread.sleep(10);
        long last = server.harness().store().eventsAfter(id, 0, 1000).size();
        long before = heapAfterGc();
        var sockets = new ArrayList<Socket>();
        try {
            for (int i = 0; i < idle; i++) {
                var s = new Socket("127.0.0.1", server.port());
                s.setSoTimeout(10_000);
                s.getOutputStream().write(("GET /api/runs/" + id + "/events HTTP/1.1\r\nHost: 127.0.0.1:" + server.port() + "\r\nAuthorization: Bearer "
                        + token + "\r\nLast-Event-ID: " + last + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                sockets.add(s);
            }
            // each stream is open once it sent its first bytes (the headers and the retry line)
            for (var s : sockets) readSome(s.getInputStream());
            long after = heapAfterGc();
            return new long[] {idle, before, after};
        } finally {
            for (var s : sockets) s.close();
            http.send(HttpRequest.newBuilder(URI.create(server.url() + "/api/runs/" + id + "/cancel")).header("Authorization", "Bearer " + token)
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
        }
    }

    private static void readSome(InputStream in) throws java.io.IOException {
        var buf = new byte[4096];
        if (in.read(buf) < 0) throw new IllegalStateException("an idle subscriber's stream ended");
    }

    /** CPU time of the whole process (both phases share the JVM: client, server, mock model); -1 where the JVM cannot tell. */
    private static long cpuNanos() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os ? os.getProcessCpuTime() : -1;
    }

    /** Time the JIT compilers spent so far (their threads share the two cores with what is measured); -1 where unknown. */
    private static long jitMillis() {
        var jit = ManagementFactory.getCompilationMXBean();
        return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : -1;
    }

    private static long heapAfterGc() throws InterruptedException {
        var mem = ManagementFactory.getMemoryMXBean();
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return mem.getHeapMemoryUsage().getUsed();
    }

    private static void stats(com.fasterxml.jackson.databind.node.ObjectNode o, List<Double> xs) {
        o.put("count", xs.size());
        if (xs.isEmpty()) return;
        o.put("p50", round(percentile(xs, 50))).put("p99", round(percentile(xs, 99))).put("max", round(percentile(xs, 100)));
    }

    private static double percentile(List<Double> xs, double p) {
        return BenchCommand.percentile(xs, p);
    }

    private static double round(double x) {
        return BenchCommand.round(x);
    }
}
