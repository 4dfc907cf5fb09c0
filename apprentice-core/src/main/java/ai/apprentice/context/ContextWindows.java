package ai.apprentice.context;

import java.util.Locale;

/** How many tokens a model reads at once, as its provider documents; a conservative default otherwise. */
public final class ContextWindows {
    public static final int DEFAULT = 32_000;

    private ContextWindows() {}

    public static int of(String modelId) {
        String id = modelId == null ? "" : modelId.toLowerCase(Locale.ROOT);
        id = id.substring(id.indexOf(':') + 1);
        if (id.startsWith("gpt-4.1")) return 1_000_000;
        if (id.startsWith("gpt-5")) return 400_000;
        if (id.startsWith("gpt-4o") || id.matches("o[1-9].*")) return 128_000;
        if (id.startsWith("claude")) return 200_000;
        if (id.startsWith("deepseek")) return 64_000;
        if (id.startsWith("gemini")) return 1_000_000;
        return DEFAULT;
    }
}
