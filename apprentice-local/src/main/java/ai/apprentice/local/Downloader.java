package ai.apprentice.local;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;
import java.util.function.ToLongFunction;
import java.util.regex.Pattern;

/**
 * Downloads a model file so that nothing partial is ever where a model is expected. Bytes go to
 * {@code NAME.part} beside the target; a cut connection is resumed with an HTTP range request (also by a
 * later pull); the SHA-256 is checked (the one given, else the server's content hash: Hugging Face sends it
 * as {@code X-Linked-Etag}) before the file is moved into place. Free disk space is checked first.
 * {@code HF_TOKEN} goes to Hugging Face hosts only, and never follows a redirect to another host.
 */
public final class Downloader {
    private static final Pattern SHA256 = Pattern.compile("[0-9a-fA-F]{64}");
    private static final long SPARE_BYTES = 64L << 20;

    /** What a pull reports while it runs. */
    public interface Progress {
        Progress NONE = new Progress() {};

        default void started(long totalBytes, long resumedFrom) {}

        default void advanced(long doneBytes, long totalBytes) {}

        default void retrying(int attempt, String reason) {}

        default void verifying() {}
    }

    public record Result(Path file, String sha256, long bytes, boolean verified) {}

    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(15)).build();
    private final String token;
    private final Predicate<String> tokenHost;
    private final ToLongFunction<Path> freeSpace;
    private final int maxAttempts;
    private final Duration firstBackoff;
    /** A download that receives nothing for this long is cut and resumed (a read has no timeout of its own). */
    private final Duration stall;

    /** {@code hfEndpoint}: a Hugging Face mirror (HF_ENDPOINT) that is also trusted with the token; may be null. */
    public Downloader(String hfToken, String hfEndpoint) {
        this(hfToken, trusted(hfEndpoint), Downloader::usableSpace, 6, Duration.ofSeconds(1), Duration.ofSeconds(60));
    }

    Downloader(String hfToken, Predicate<String> tokenHost, ToLongFunction<Path> freeSpace, int maxAttempts, Duration firstBackoff) {
        this(hfToken, tokenHost, freeSpace, maxAttempts, firstBackoff, Duration.ofSeconds(60));
    }

    Downloader(String hfToken, Predicate<String> tokenHost, ToLongFunction<Path> freeSpace, int maxAttempts, Duration firstBackoff, Duration stall) {
        this.token = hfToken == null || hfToken.isBlank() ? null : hfToken.strip();
        this.tokenHost = tokenHost;
        this.freeSpace = freeSpace;
        this.maxAttempts = maxAttempts;
        this.firstBackoff = firstBackoff;
        this.stall = stall;
    }

    /** Hugging Face's hosts, and the mirror's host if HF_ENDPOINT names one that parses. */
    private static Predicate<String> trusted(String hfEndpoint) {
        String mirror = null;
        try {
            mirror = hfEndpoint == null || hfEndpoint.isBlank() ? null : URI.create(hfEndpoint.strip()).getHost();
        } catch (IllegalArgumentException e) {
            // not a URL: no mirror is trusted
        }
        var m = mirror;
        return host -> isHuggingFace(host) || host != null && host.equals(m);
    }

    static boolean isHuggingFace(String host) {
        return host != null && (host.equals("huggingface.co") || host.endsWith(".huggingface.co") || host.equals("hf.co"));
    }

    private static long usableSpace(Path dir) {
        try {
            return Files.getFileStore(dir).getUsableSpace();
        } catch (IOException e) {
            return Long.MAX_VALUE;
        }
    }

    private static final java.util.concurrent.ScheduledExecutorService WATCHDOG = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
        var t = new Thread(r, "download-watchdog");
        t.setDaemon(true);
        return t;
    });

    public static Path partOf(Path target) {
        return target.resolveSibling(target.getFileName() + ".part");
    }

    /**
     * Downloads {@code url} to {@code target}; {@code expectedSha256} may be null (then the server's hash is used).
     * The first request goes out before anything is created: if nothing answers, {@link UnreachableException} at once,
     * and no folder, lock or part file is left behind.
     */
    public Result pull(URI url, Path target, String expectedSha256, Progress progress) throws IOException, InterruptedException {
        if (expectedSha256 != null && !SHA256.matcher(expectedSha256).matches()) {
            throw new DownloadException("--sha256 must be 64 hexadecimal digits, not '" + expectedSha256 + "'");
        }
        var part = partOf(target);
        Hop first = probe(url, Files.exists(part) ? Files.size(part) : 0);
        try {
            Files.createDirectories(target.getParent());
            var lockFile = target.resolveSibling(target.getFileName() + ".lock");
            // The lock file stays: deleting it would let a third pull lock a new file while the first still writes.
            try (var lockChannel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                var lock = tryLock(lockChannel);
                if (lock == null) throw new DownloadException("Another pull of " + target.getFileName() + " is running; wait for it to finish");
                try (lock) {
                    var hop = first;
                    first = null;
                    return pullLocked(url, target, part, expectedSha256, progress, hop);
                }
            }
        } finally {
            if (first != null) first.response().body().close();
        }
    }

    /**
     * The first request. A connection nobody accepts is final ({@link UnreachableException}); any other failure
     * returns null and the download loop tries again as usual.
     */
    private Hop probe(URI url, long from) throws IOException, InterruptedException {
        try {
            return open(url, from);
        } catch (DownloadException e) {
            throw e;
        } catch (IOException e) {
            var reason = unreachable(e);
            if (reason != null) throw new UnreachableException(url.getHost(), reason, e);
            return null;
        }
    }

    /** Why nothing answered, if that is what {@code e} says: no connection was ever made. Null for other failures. */
    static String unreachable(Throwable e) {
        for (var c = e; c != null; c = c.getCause()) {
            if (c instanceof java.net.http.HttpConnectTimeoutException) return "no answer within the connect timeout";
            if (c instanceof java.net.UnknownHostException || c instanceof java.nio.channels.UnresolvedAddressException) return "unknown host: no DNS, or no network";
            if (c instanceof java.net.NoRouteToHostException) return "no route to host";
            if (c instanceof java.net.ConnectException) return "connection refused";
        }
        return null;
    }

    private static java.nio.channels.FileLock tryLock(FileChannel channel) throws IOException {
        try {
            return channel.tryLock();
        } catch (java.nio.channels.OverlappingFileLockException e) {
            return null; // another thread of this process holds it
        }
    }

    /** {@code first}: the probe's answer, if it asked from where the part now ends (else it is closed and asked again). */
    private Result pullLocked(URI url, Path target, Path part, String expectedSha256, Progress progress, Hop first) throws IOException, InterruptedException {
        String serverSha = null;
        boolean spaceChecked = false;
        for (int attempt = 1; ; attempt++) {
            long have = Files.exists(part) ? Files.size(part) : 0;
            Hop hop;
            try {
                if (first != null && first.from() != have) first.response().body().close();
                hop = first != null && first.from() == have ? first : open(url, have);
                first = null;
            } catch (IOException e) {
                if (attempt >= maxAttempts) throw new IOException("Cannot reach " + url.getHost() + ": " + describe(e), e);
                backoff(attempt, describe(e), progress);
                continue;
            }
            var response = hop.response();
            if (hop.sha256() != null) serverSha = hop.sha256();
            int status = response.statusCode();
            try (InputStream body = response.body()) {
                if (status == 416 && have > 0) {
                    // "bytes */N": the part is whole only if it has exactly N bytes; otherwise start again
                    var m = Pattern.compile("\\*/(\\d+)").matcher(response.headers().firstValue("content-range").orElse(""));
                    if (m.find() && Long.parseLong(m.group(1)) == have) break;
                    Files.deleteIfExists(part);
                    if (attempt >= maxAttempts) throw new DownloadException("The server refused to resume " + url + " (HTTP 416)");
                    continue;
                }
                if (status == 401 || status == 403) throw refused(url, status);
                if (status == 404) {
                    throw new DownloadException("Not found (HTTP 404): " + url + ". Check the name or URL; 'apprentice model list --available' shows the catalogue.");
                }
                if (status == 429 || status >= 500) {
                    if (attempt >= maxAttempts) throw new DownloadException("The server failed " + attempt + " times (HTTP " + status + ") for " + url);
                    backoff(attempt, "HTTP " + status, progress);
                    continue;
                }
                if (status != 200 && status != 206) throw new DownloadException("Unexpected HTTP " + status + " for " + url);
                if (status == 206 && rangeStart(response) != have) { // not the range asked for: start again from nothing
                    Files.deleteIfExists(part);
                    if (attempt >= maxAttempts) throw new DownloadException("The server sent the wrong range for " + url);
                    continue;
                }
                boolean resumed = status == 206;
                if (!resumed) have = 0; // the server sent the whole file: start the part again
                long length = response.headers().firstValueAsLong("content-length").orElse(-1);
                long total = length >= 0 ? have + length : hop.size();
                if (!spaceChecked && total > 0) {
                    long free = freeSpace.applyAsLong(target.getParent());
                    if (total - have + SPARE_BYTES > free) {
                        throw new DownloadException("Not enough disk space in " + target.getParent() + ": the model needs "
                                + Catalog.size(total - have) + " more and " + Catalog.size(free) + " is free");
                    }
                    spaceChecked = true;
                }
                progress.started(total, have);
                var lastByte = new java.util.concurrent.atomic.AtomicLong(System.nanoTime());
                var stalled = new java.util.concurrent.atomic.AtomicBoolean();
                var watchdog = WATCHDOG.scheduleAtFixedRate(() -> {
                    if (System.nanoTime() - lastByte.get() > stall.toNanos() && stalled.compareAndSet(false, true)) {
                        try {
                            body.close(); // makes the blocked read return
                        } catch (IOException ignored) {
                            // closing is all we can do
                        }
                    }
                }, 1, 1, java.util.concurrent.TimeUnit.SECONDS);
                try (var out = Files.newOutputStream(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        resumed ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
                    var buf = new byte[1 << 16];
                    long done = have;
                    try {
                        for (int n; (n = body.read(buf)) > 0; ) {
                            if (Thread.interrupted()) throw new InterruptedException("download interrupted; run the pull again to resume");
                            lastByte.set(System.nanoTime());
                            out.write(buf, 0, n);
                            done += n;
                            progress.advanced(done, total);
                        }
                    } catch (IOException e) {
                        if (!stalled.get()) throw e;
                    }
                    if (stalled.get()) throw new IOException("no data for " + stall.toSeconds() + " s at " + done + " bytes");
                    if (total > 0 && done < total) throw new IOException("connection closed at " + done + " of " + total + " bytes");
                } finally {
                    watchdog.cancel(false);
                }
                break;
            } catch (DownloadException | InterruptedException e) {
                throw e;
            } catch (IOException e) {
                if (attempt >= maxAttempts) {
                    throw new IOException("The download broke off " + attempt + " times (" + describe(e) + "); run the pull again to resume from "
                            + Catalog.size(Files.exists(part) ? Files.size(part) : 0), e);
                }
                backoff(attempt, describe(e), progress);
            }
        }
        progress.verifying();
        var actual = sha256(part);
        var expected = expectedSha256 != null ? expectedSha256 : serverSha;
        if (expected != null && !expected.equalsIgnoreCase(actual)) {
            Files.deleteIfExists(part);
            throw new DownloadException("SHA-256 mismatch for " + url + ": expected " + expected.toLowerCase(Locale.ROOT) + ", got " + actual
                    + ". The download was discarded; nothing was installed.");
        }
        long bytes = Files.size(part);
        Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return new Result(target, actual, bytes, expected != null);
    }

    private DownloadException refused(URI url, int status) {
        var how = token == null
                ? "If the model is gated, accept its licence on its Hugging Face page and export HF_TOKEN=hf_... (a read token)."
                : "HF_TOKEN is set but was refused: check that it is valid and that you accepted the model's licence on its page.";
        return new DownloadException("Access denied (HTTP " + status + ") for " + url + ". " + how);
    }

    private record Hop(HttpResponse<InputStream> response, String sha256, long size, long from) {}

    /** GET with the range, following redirects by hand so that the token stays with its host and the content hash is seen. */
    private Hop open(URI url, long from) throws IOException, InterruptedException {
        String sha = null;
        long size = -1;
        var current = url;
        for (int hops = 0; hops < 10; hops++) {
            var request = HttpRequest.newBuilder(current).timeout(Duration.ofMinutes(5)).header("User-Agent", "apprentice/0.1");
            if (from > 0) request.header("Range", "bytes=" + from + "-");
            if (token != null && tokenMayTravelTo(current) && tokenHost.test(current.getHost())
                    && current.getHost().equals(url.getHost())) {
                request.header("Authorization", "Bearer " + token);
            }
            var response = http.send(request.GET().build(), HttpResponse.BodyHandlers.ofInputStream());
            var etag = response.headers().firstValue("x-linked-etag").map(v -> v.replace("\"", "")).orElse(null);
            if (sha == null && etag != null && SHA256.matcher(etag).matches()) sha = etag; // the first host's word counts
            size = response.headers().firstValueAsLong("x-linked-size").orElse(size);
            int status = response.statusCode();
            if (status >= 300 && status < 400 && response.headers().firstValue("location").isPresent()) {
                response.body().close();
                current = current.resolve(response.headers().firstValue("location").get());
                continue;
            }
            return new Hop(response, sha, size, from);
        }
        throw new DownloadException("Too many redirects from " + url);
    }

    /** Whether a token may travel to this address: over https, or plain http on this machine (a local mirror). */
    static boolean tokenMayTravelTo(URI u) {
        return "https".equalsIgnoreCase(u.getScheme())
                || "http".equalsIgnoreCase(u.getScheme()) && List.of("localhost", "127.0.0.1", "[::1]", "::1").contains(u.getHost());
    }

    private static long rangeStart(HttpResponse<?> response) {
        var range = response.headers().firstValue("content-range").orElse(""); // bytes START-END/TOTAL
        var m = Pattern.compile("bytes (\\d+)-").matcher(range);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    private void backoff(int attempt, String reason, Progress progress) throws InterruptedException {
        progress.retrying(attempt, reason);
        Thread.sleep(firstBackoff.toMillis() << Math.min(attempt - 1, 5));
    }

    private static String describe(Throwable e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    public static String sha256(Path file) throws IOException {
        try (var in = Files.newInputStream(file)) {
            var digest = MessageDigest.getInstance("SHA-256");
            var buf = new byte[1 << 20];
            for (int n; (n = in.read(buf)) > 0; ) digest.update(buf, 0, n);
            return HexFormat.of().formatHex(digest.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
