package ai.apprentice.local;

import java.util.List;
import java.util.Optional;

/**
 * Instruct models that run on a laptop CPU, quantised Q4_K_M, from Hugging Face. Sizes are approximate (the
 * server's own length is what a download checks); the SHA-256 comes from the server's content hash, which
 * Hugging Face sends for every file it stores in LFS.
 */
public final class Catalog {
    public static final String DEFAULT = "qwen2.5-1.5b-instruct";

    public record Entry(String name, String url, long approxBytes, String licence, String description) {
        /** The download address through {@code endpoint} (a Hugging Face mirror, as HF_ENDPOINT names one), or directly. */
        public String url(String endpoint) {
            return endpoint == null || endpoint.isBlank() ? url : endpoint.replaceFirst("/+$", "") + "/" + url.substring(HF.length());
        }
    }

    private static final String HF = "https://huggingface.co/";
    private static final List<Entry> ENTRIES = List.of(
            new Entry("qwen2.5-0.5b-instruct", HF + "Qwen/Qwen2.5-0.5B-Instruct-GGUF/resolve/main/qwen2.5-0.5b-instruct-q4_k_m.gguf",
                    491_000_000L, "Apache-2.0", "Qwen2.5 0.5B Instruct: the smallest; quick, weak at multi-step tool use"),
            new Entry("qwen2.5-1.5b-instruct", HF + "Qwen/Qwen2.5-1.5B-Instruct-GGUF/resolve/main/qwen2.5-1.5b-instruct-q4_k_m.gguf",
                    1_120_000_000L, "Apache-2.0", "Qwen2.5 1.5B Instruct: the default; trained on the tool-call format we use"),
            new Entry("qwen2.5-3b-instruct", HF + "Qwen/Qwen2.5-3B-Instruct-GGUF/resolve/main/qwen2.5-3b-instruct-q4_k_m.gguf",
                    2_100_000_000L, "Qwen Research (non-commercial)", "Qwen2.5 3B Instruct: better tool use, twice as slow"),
            new Entry("llama3.2-1b-instruct", HF + "bartowski/Llama-3.2-1B-Instruct-GGUF/resolve/main/Llama-3.2-1B-Instruct-Q4_K_M.gguf",
                    808_000_000L, "Llama 3.2 Community", "Llama 3.2 1B Instruct"),
            new Entry("llama3.2-3b-instruct", HF + "bartowski/Llama-3.2-3B-Instruct-GGUF/resolve/main/Llama-3.2-3B-Instruct-Q4_K_M.gguf",
                    2_020_000_000L, "Llama 3.2 Community", "Llama 3.2 3B Instruct"));

    private Catalog() {}

    public static List<Entry> entries() {
        return ENTRIES;
    }

    public static Optional<Entry> find(String name) {
        return ENTRIES.stream().filter(e -> e.name().equalsIgnoreCase(name)).findFirst();
    }

    public static String names() {
        return String.join(", ", ENTRIES.stream().map(Entry::name).toList());
    }

    /** "1.1 GB", "491 MB". */
    public static String size(long bytes) {
        if (bytes >= 1_000_000_000L) return String.format(java.util.Locale.ROOT, "%.1f GB", bytes / 1e9);
        if (bytes >= 1_000_000L) return String.format(java.util.Locale.ROOT, "%d MB", bytes / 1_000_000L);
        return String.format(java.util.Locale.ROOT, "%d KB", Math.max(1, bytes / 1000));
    }
}
