package ai.apprentice.providers;

import ai.apprentice.model.Model;
import ai.apprentice.model.RetryingModel;
import ai.apprentice.providers.Preset.Protocol;
import ai.apprentice.providers.anthropic.AnthropicModel;
import ai.apprentice.providers.openai.OpenAiCompatibleModel;
import java.util.List;
import java.util.function.Function;

/**
 * Turns {@code PROVIDER:MODEL} into a model client with retries. OpenAI-compatible providers take their key
 * from their own variable, then {@code OPENAI_API_KEY}; their endpoint from {@code --base-url}, then their
 * own variable, then {@code OPENAI_BASE_URL} (for {@code openai} and {@code compat}), then the preset.
 * {@code APPRENTICE_REASONING} (minimal, low, medium, high or a number of thinking tokens) asks reasoning models to
 * think that hard when the settings say nothing.
 */
public final class Providers {
    private static final List<Preset> PRESETS = List.of(
            new Preset("openai", Protocol.OPENAI, "https://api.openai.com/v1", "OPENAI_API_KEY", "OPENAI_BASE_URL", "gpt-4.1-mini", "OpenAI"),
            new Preset("openai-responses", Protocol.OPENAI_RESPONSES, "https://api.openai.com/v1", "OPENAI_API_KEY", "OPENAI_BASE_URL", "o4-mini", "OpenAI, Responses API (reasoning models)"),
            new Preset("anthropic", Protocol.ANTHROPIC, "https://api.anthropic.com", "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "claude-sonnet-4-5", "Anthropic"),
            new Preset("deepseek", Protocol.OPENAI, "https://api.deepseek.com/v1", "DEEPSEEK_API_KEY", "DEEPSEEK_BASE_URL", "deepseek-chat", "DeepSeek"),
            new Preset("qwen", Protocol.OPENAI, "https://dashscope.aliyuncs.com/compatible-mode/v1", "DASHSCOPE_API_KEY", "DASHSCOPE_BASE_URL", "qwen-plus", "Qwen (DashScope compatible mode)"),
            new Preset("glm", Protocol.OPENAI, "https://open.bigmodel.cn/api/paas/v4", "ZHIPUAI_API_KEY", "ZHIPUAI_BASE_URL", "glm-4.6", "Zhipu GLM"),
            new Preset("kimi", Protocol.OPENAI, "https://api.moonshot.cn/v1", "MOONSHOT_API_KEY", "MOONSHOT_BASE_URL", "kimi-k2-0905-preview", "Moonshot Kimi"),
            new Preset("ollama", Protocol.OPENAI, "http://localhost:11434/v1", null, "OLLAMA_BASE_URL", "qwen2.5", "Ollama on this machine"),
            new Preset("vllm", Protocol.OPENAI, "http://localhost:8000/v1", null, "VLLM_BASE_URL", "Qwen/Qwen2.5-7B-Instruct", "vLLM server"),
            new Preset("llamacpp", Protocol.OPENAI, "http://localhost:8080/v1", null, "LLAMACPP_BASE_URL", "default", "llama.cpp server"),
            new Preset("compat", Protocol.OPENAI, null, "OPENAI_API_KEY", "OPENAI_BASE_URL", "my-model", "any OpenAI-compatible server (--base-url)"));

    private Providers() {}

    public static List<Preset> presets() {
        return PRESETS;
    }

    public static Preset preset(String name) {
        return PRESETS.stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow(() -> new ProviderConfigException(
                "Unknown provider '" + name + "'. Known: " + String.join(", ", PRESETS.stream().map(Preset::name).toList())
                        + " (and scripted:FILE). See 'apprentice models'."));
    }

    /** A model client for {@code provider:model}, wrapped with the settings' retry policy. */
    public static Model resolve(String spec, ProviderSettings settings, Function<String, String> env) {
        int colon = spec.indexOf(':');
        if (colon <= 0 || colon == spec.length() - 1) {
            throw new ProviderConfigException("Model '" + spec + "' is not of the form PROVIDER:MODEL, e.g. openai:gpt-4.1-mini");
        }
        var preset = preset(spec.substring(0, colon));
        String model = spec.substring(colon + 1);
        String baseUrl = first(settings.baseUrl(), env.apply(preset.baseUrlEnv()), preset.baseUrl());
        if (baseUrl == null) {
            throw new ProviderConfigException("Provider '" + preset.name() + "' needs an endpoint: pass --base-url URL or set "
                    + preset.baseUrlEnv());
        }
        String key = settings.apiKey();
        if (key == null && preset.apiKeyEnv() != null) {
            key = first(env.apply(preset.apiKeyEnv()), preset.protocol() == Protocol.OPENAI ? env.apply("OPENAI_API_KEY") : null);
        }
        boolean customEndpoint = settings.baseUrl() != null || env.apply(preset.baseUrlEnv()) != null;
        if (key == null && preset.apiKeyEnv() != null && !customEndpoint) {
            throw new ProviderConfigException(preset.apiKeyEnv() + " is not set: export " + preset.apiKeyEnv()
                    + "=... to use " + preset.description() + (preset.protocol() == Protocol.OPENAI
                    ? ", or pass --base-url for a server that needs no key" : ""));
        }
        // The reasoning effort may come from the environment, so that any command can set it without a flag.
        if (settings.reasoning() == null && env.apply("APPRENTICE_REASONING") != null) {
            settings = settings.withReasoning(env.apply("APPRENTICE_REASONING"));
        }
        var base = switch (preset.protocol()) {
            case OPENAI -> new OpenAiCompatibleModel(spec, model, baseUrl, key, settings, preset.name().equals("openai")
                    ? OpenAiCompatibleModel.Flavor.OPENAI : OpenAiCompatibleModel.Flavor.COMPATIBLE);
            case ANTHROPIC -> new AnthropicModel(spec, model, baseUrl, key, settings);
            case OPENAI_RESPONSES -> new ai.apprentice.providers.openai.OpenAiResponsesModel(spec, model, baseUrl, key, settings);
        };
        return new RetryingModel(base, settings.retry());
    }

    private static String first(String... values) {
        for (var v : values) if (v != null && !v.isBlank()) return v;
        return null;
    }
}
