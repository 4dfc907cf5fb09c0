package ai.apprentice.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Downloads from a real HTTP server on loopback that behaves like Hugging Face: redirects, content hashes, ranges, cuts and refusals. */
@Timeout(60)
class DownloaderTest {
    @TempDir Path models;
    HttpServer server;
    byte[] model = new byte[3_000_000];
    String sha;
    final List<String> ranges = new CopyOnWriteArrayList<>();
    final List<String> authorizations = new CopyOnWriteArrayList<>();
    final AtomicBoolean cutNext = new AtomicBoolean();

    @BeforeEach
    void start() throws Exception {
        new Random(1).nextBytes(model);
        sha = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(model));
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/Org/Repo/resolve/main/tiny-q4_k_m.gguf", ex -> {
            authorizations.add(String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
            ex.getResponseHeaders().add("Location", "/cdn/blob");
            ex.getResponseHeaders().add("X-Linked-Etag", "\"" + sha + "\"");
            ex.getResponseHeaders().add("X-Linked-Size", String.valueOf(model.length));
            ex.sendResponseHeaders(302, -1);
            ex.close();
        });
        server.createContext("/cdn/blob", this::serve);
        server.createContext("/plain/other.gguf", this::serve);
        server.createContext("/slow/blob", ex -> {
            if (ex.getRequestHeaders().getFirst("Range") != null) {
                serve(ex);
                return;
            }
            ranges.add("null");
            ex.sendResponseHeaders(200, model.length);
            var out = ex.getResponseBody();
            out.write(model, 0, model.length / 3);
            out.flush();
            try {
                Thread.sleep(10_000); // silent, connection open: a stalled transfer
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ex.close();
        });
        server.createContext("/gated.gguf", ex -> {
            ex.sendResponseHeaders(401, -1);
            ex.close();
        });
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    /** Serves the model, honouring "Range: bytes=N-"; when told to, sends half and drops the connection. */
    private void serve(HttpExchange ex) throws IOException {
        authorizations.add(String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
        var range = ex.getRequestHeaders().getFirst("Range");
        ranges.add(String.valueOf(range));
        int from = range == null ? 0 : Integer.parseInt(range.replaceAll("bytes=(\\d+)-.*", "$1"));
        if (from >= model.length) {
            ex.getResponseHeaders().add("Content-Range", "bytes */" + model.length);
            ex.sendResponseHeaders(416, -1);
            ex.close();
            return;
        }
        if (from > 0) ex.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (model.length - 1) + "/" + model.length);
        ex.sendResponseHeaders(from > 0 ? 206 : 200, model.length - from);
        try (var out = ex.getResponseBody()) {
            if (cutNext.getAndSet(false)) {
                out.write(model, from, (model.length - from) / 2);
                out.flush();
                ex.getHttpContext().getServer(); // keep the reference; the connection is cut below
                throw new IOException("cut"); // the server drops the connection mid-body
            }
            out.write(model, from, model.length - from);
        }
    }

    private URI url(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    private Downloader downloader(String token) {
        return new Downloader(token, host -> host.equals("127.0.0.1"), dir -> Long.MAX_VALUE, 4, Duration.ofMillis(10));
    }

    @Test
    void downloadsFollowingTheRedirectAndChecksTheServersHash() throws Exception {
        var target = models.resolve("tiny.gguf");
        var result = downloader("hf_secret").pull(url("/Org/Repo/resolve/main/tiny-q4_k_m.gguf"), target, null, Downloader.Progress.NONE);
        assertThat(Files.readAllBytes(target)).isEqualTo(model);
        assertThat(result.sha256()).isEqualTo(sha);
        assertThat(result.verified()).as("the X-Linked-Etag hash was checked").isTrue();
        assertThat(Downloader.partOf(target)).doesNotExist();
        assertThat(authorizations).containsExactly("Bearer hf_secret", "Bearer hf_secret");
        assertThat(ModelStore.nameFromUrl(url("/Org/Repo/resolve/main/tiny-q4_k_m.gguf"))).isEqualTo("tiny-q4_k_m");
    }

    @Test
    void theTokenIsNotSentToOtherHosts() throws Exception {
        var hfOnly = new Downloader("hf_secret", Downloader::isHuggingFace, dir -> Long.MAX_VALUE, 2, Duration.ofMillis(10));
        hfOnly.pull(url("/plain/other.gguf"), models.resolve("other.gguf"), sha, Downloader.Progress.NONE);
        assertThat(authorizations).containsExactly("null");
    }

    @Test
    void aCutConnectionIsResumedWithARangeRequest() throws Exception {
        cutNext.set(true);
        var retries = new CopyOnWriteArrayList<String>();
        var target = models.resolve("tiny.gguf");
        downloader(null).pull(url("/cdn/blob"), target, sha, new Downloader.Progress() {
            @Override
            public void retrying(int attempt, String reason) {
                retries.add(reason);
            }
        });
        assertThat(retries).hasSize(1);
        assertThat(ranges).hasSize(2);
        assertThat(ranges.get(0)).isEqualTo("null");
        assertThat(ranges.get(1)).matches("bytes=\\d+-");
        long resumedAt = Long.parseLong(ranges.get(1).replaceAll("\\D", ""));
        assertThat(resumedAt).isPositive().isLessThan(model.length);
        assertThat(Files.readAllBytes(target)).isEqualTo(model);
    }

    @Test
    void aPartFromAnEarlierRunIsResumed() throws Exception {
        var target = models.resolve("tiny.gguf");
        Files.write(Downloader.partOf(target), java.util.Arrays.copyOf(model, 1_000_000));
        downloader(null).pull(url("/cdn/blob"), target, sha, Downloader.Progress.NONE);
        assertThat(ranges).containsExactly("bytes=1000000-");
        assertThat(Files.readAllBytes(target)).isEqualTo(model);
    }

    @Test
    void aChecksumMismatchIsRejectedAndLeavesNothing() throws Exception {
        var target = models.resolve("tiny.gguf");
        var wrong = "0".repeat(64);
        assertThatThrownBy(() -> downloader(null).pull(url("/cdn/blob"), target, wrong, Downloader.Progress.NONE))
                .isInstanceOf(DownloadException.class).hasMessageContaining("SHA-256 mismatch").hasMessageContaining(wrong)
                .hasMessageContaining(sha).hasMessageContaining("nothing was installed");
        assertThat(target).doesNotExist();
        assertThat(Downloader.partOf(target)).doesNotExist();
        assertThatThrownBy(() -> downloader(null).pull(url("/cdn/blob"), target, "abc", Downloader.Progress.NONE))
                .hasMessageContaining("64 hexadecimal digits");
    }

    @Test
    void notFoundAndRefusedAreExplained() {
        var target = models.resolve("x.gguf");
        assertThatThrownBy(() -> downloader(null).pull(url("/nope.gguf"), target, null, Downloader.Progress.NONE))
                .isInstanceOf(DownloadException.class).hasMessageContaining("Not found (HTTP 404)").hasMessageContaining("model list --available");
        assertThatThrownBy(() -> downloader(null).pull(url("/gated.gguf"), target, null, Downloader.Progress.NONE))
                .hasMessageContaining("HTTP 401").hasMessageContaining("export HF_TOKEN");
        assertThatThrownBy(() -> downloader("hf_bad").pull(url("/gated.gguf"), target, null, Downloader.Progress.NONE))
                .hasMessageContaining("HF_TOKEN is set but was refused");
        assertThat(target).doesNotExist();
        assertThat(Downloader.partOf(target)).doesNotExist();
    }

    @Test
    void aRefusedFirstConnectionFailsAtOnceAndLeavesNothing() throws Exception {
        int closed;
        try (var socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = socket.getLocalPort(); // free again once closed: connections to it are refused
        }
        var target = models.resolve("fresh").resolve("x.gguf");
        var retries = new java.util.concurrent.atomic.AtomicInteger();
        var progress = new Downloader.Progress() {
            @Override
            public void retrying(int attempt, String reason) {
                retries.incrementAndGet();
            }
        };
        assertThatThrownBy(() -> downloader(null).pull(URI.create("http://127.0.0.1:" + closed + "/x.gguf"), target, null, progress))
                .isInstanceOf(UnreachableException.class).hasMessage("Cannot reach 127.0.0.1 (connection refused)");
        assertThat(retries.get()).as("no retries when nothing ever answered").isZero();
        assertThat(target.getParent()).as("no folder, lock or part file").doesNotExist();
    }

    @Test
    void tooLittleDiskSpaceStopsTheDownloadBeforeItStarts() {
        var cramped = new Downloader(null, h -> false, dir -> 1_000_000, 2, Duration.ofMillis(10));
        var target = models.resolve("tiny.gguf");
        assertThatThrownBy(() -> cramped.pull(url("/cdn/blob"), target, null, Downloader.Progress.NONE))
                .isInstanceOf(DownloadException.class).hasMessageContaining("Not enough disk space").hasMessageContaining("3 MB more");
        assertThat(target).doesNotExist();
    }

    @Test
    void theStoreListsAndRemovesModels() throws Exception {
        var store = new ModelStore(models);
        var url = url("/cdn/blob");
        var result = downloader(null).pull(url, store.fileFor("tiny"), sha, Downloader.Progress.NONE);
        store.record("tiny", url, result);
        assertThat(store.list()).singleElement().satisfies(m -> {
            assertThat(m.name()).isEqualTo("tiny");
            assertThat(m.bytes()).isEqualTo(model.length);
            assertThat(m.sha256()).isEqualTo(sha);
            assertThat(m.verified()).isTrue();
            assertThat(m.url()).isEqualTo(url.toString());
        });
        Files.writeString(models.resolve("half.gguf.part"), "unfinished");
        assertThat(store.list()).extracting(ModelStore.Installed::name).containsExactly("tiny");
        assertThat(store.remove("tiny")).isTrue();
        assertThat(store.remove("tiny")).isFalse();
        assertThat(store.list()).isEmpty();
        assertThatThrownBy(() -> ModelStore.checkName("../etc")).hasMessageContaining("not a model name");
    }

    @Test
    void aStalledTransferIsCutAndResumed() throws Exception {
        var target = models.resolve("tiny.gguf");
        var retries = new CopyOnWriteArrayList<String>();
        var impatient = new Downloader(null, h -> false, dir -> Long.MAX_VALUE, 3, Duration.ofMillis(10), Duration.ofSeconds(1));
        impatient.pull(url("/slow/blob"), target, sha, new Downloader.Progress() {
            @Override
            public void retrying(int attempt, String reason) {
                retries.add(reason);
            }
        });
        assertThat(retries).singleElement().asString().contains("no data for 1 s");
        assertThat(ranges).containsExactly("null", "bytes=1000000-");
        assertThat(Files.readAllBytes(target)).isEqualTo(model);
    }

    @Test
    void aWholePartIsAcceptedWhenTheServerSaysThereIsNothingLeft() throws Exception {
        var target = models.resolve("tiny.gguf");
        Files.write(Downloader.partOf(target), model);
        downloader(null).pull(url("/cdn/blob"), target, sha, Downloader.Progress.NONE);
        assertThat(ranges).containsExactly("bytes=3000000-");
        assertThat(Files.readAllBytes(target)).isEqualTo(model);
    }

    @Test
    void theTokenTravelsOnlyOverHttpsOrOnThisMachine() {
        assertThat(Downloader.tokenMayTravelTo(URI.create("https://huggingface.co/x"))).isTrue();
        assertThat(Downloader.tokenMayTravelTo(URI.create("http://huggingface.co/x"))).isFalse();
        assertThat(Downloader.tokenMayTravelTo(URI.create("http://127.0.0.1:8080/x"))).isTrue();
        assertThat(new Downloader("t", "not a url at all").toString()).isNotEmpty(); // a bad HF_ENDPOINT is not fatal
    }
}
