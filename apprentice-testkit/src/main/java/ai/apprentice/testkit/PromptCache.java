package ai.apprentice.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A prompt cache as the providers document theirs, for the mock servers. Tokens are estimated at four bytes of
 * the prompt's JSON each; only a byte-identical prefix is a hit, and only from {@link #MIN_TOKENS} tokens on.
 * <ul>
 * <li>OpenAI (https://platform.openai.com/docs/guides/prompt-caching): automatic; the longest prefix shared with an
 * earlier request is read from the cache, counted in steps of 128 tokens from 1024 on
 * ({@code prompt_tokens_details.cached_tokens}); nothing is billed for writing.</li>
 * <li>Anthropic (https://docs.anthropic.com/en/docs/build-with-claude/prompt-caching): only up to a
 * {@code cache_control} breakpoint, in the order tools, system, messages. For each breakpoint the cache is looked up
 * at that block and up to 20 blocks before it; the longest hit is read ({@code cache_read_input_tokens}), the rest up
 * to the last breakpoint is written ({@code cache_creation_input_tokens}), and what follows the last breakpoint is
 * plain input ({@code input_tokens}).</li>
 * </ul>
 */
public final class PromptCache {
    public static final int MIN_TOKENS = 1024;
    static final int LOOKBACK = 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Input tokens of one request, split as the provider reports them. */
    public record Split(long uncached, long cacheRead, long cacheWrite) {
        public long total() {
            return uncached + cacheRead + cacheWrite;
        }
    }

    private final List<byte[]> openAiPrompts = new ArrayList<>();
    private final Map<String, Long> anthropicEntries = new HashMap<>();

    static long tokens(long bytes) {
        return (bytes + 3) / 4;
    }

    /** An OpenAI Chat Completions request: tools and messages, in that order, as the prompt. */
    public synchronized Split openAi(JsonNode body) {
        var prompt = new StringBuilder();
        prompt.append(write(body.path("tools")));
        for (var m : body.has("input") ? body.path("input") : body.path("messages")) prompt.append(write(m)); // Responses, Chat
        var bytes = prompt.toString().getBytes(StandardCharsets.UTF_8);
        long total = tokens(bytes.length);
        long shared = 0;
        for (var earlier : openAiPrompts) shared = Math.max(shared, commonPrefix(earlier, bytes));
        openAiPrompts.add(bytes);
        long sharedTokens = shared / 4;
        long cached = sharedTokens < MIN_TOKENS ? 0 : MIN_TOKENS + (sharedTokens - MIN_TOKENS) / 128 * 128;
        cached = Math.min(cached, total);
        return new Split(total - cached, cached, 0);
    }

    /** An Anthropic Messages request: the blocks of tools, system and messages, and where the breakpoints are. */
    public synchronized Split anthropic(JsonNode body) {
        var blocks = new ArrayList<String>();
        var breakpoints = new ArrayList<Integer>();
        for (var t : body.path("tools")) add(blocks, breakpoints, t, "tool");
        var system = body.path("system");
        if (system.isTextual()) blocks.add("system:" + system.asText());
        for (var b : system.isArray() ? system : JSON.createArrayNode()) add(blocks, breakpoints, b, "system");
        for (var m : body.path("messages")) {
            var content = m.path("content");
            if (content.isTextual()) blocks.add(m.path("role").asText() + ":" + content.asText());
            for (var b : content.isArray() ? content : JSON.createArrayNode()) add(blocks, breakpoints, b, m.path("role").asText());
        }
        // Prefix keys and sizes: the key of block i stands for everything up to and including it.
        var keys = new String[blocks.size()];
        var sizes = new long[blocks.size()];
        var digest = sha256();
        long bytes = 0;
        for (int i = 0; i < blocks.size(); i++) {
            var block = blocks.get(i).getBytes(StandardCharsets.UTF_8);
            digest.update(block);
            digest.update((byte) 0);
            bytes += block.length;
            try {
                keys[i] = java.util.HexFormat.of().formatHex(((java.security.MessageDigest) digest.clone()).digest());
            } catch (CloneNotSupportedException e) {
                throw new IllegalStateException(e);
            }
            sizes[i] = tokens(bytes);
        }
        long total = blocks.isEmpty() ? 0 : sizes[blocks.size() - 1];
        long read = 0;
        for (int b : breakpoints) {
            for (int i = b; i >= Math.max(0, b - LOOKBACK); i--) {
                var hit = anthropicEntries.get(keys[i]);
                if (hit != null) {
                    read = Math.max(read, hit);
                    break;
                }
            }
        }
        long written = 0;
        for (int b : breakpoints) {
            if (sizes[b] >= MIN_TOKENS && !anthropicEntries.containsKey(keys[b])) {
                anthropicEntries.put(keys[b], sizes[b]);
                written = Math.max(written, sizes[b] - read);
            }
        }
        long last = breakpoints.isEmpty() ? 0 : sizes[breakpoints.getLast()];
        written = Math.max(0, Math.min(written, last - read));
        return new Split(total - read - written, read, written);
    }

    private static void add(List<String> blocks, List<Integer> breakpoints, JsonNode block, String where) {
        var copy = block.deepCopy();
        boolean marked = copy instanceof ObjectNode o && o.remove("cache_control") != null;
        blocks.add(where + ":" + write(copy));
        if (marked) breakpoints.add(blocks.size() - 1);
    }

    private static java.security.MessageDigest sha256() {
        try {
            return java.security.MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String write(JsonNode node) {
        try {
            return JSON.writeValueAsString(node);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long commonPrefix(byte[] a, byte[] b) {
        int n = Math.min(a.length, b.length);
        int i = 0;
        while (i < n && a[i] == b[i]) i++;
        return i;
    }
}
