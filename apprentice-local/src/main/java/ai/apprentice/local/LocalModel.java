package ai.apprentice.local;

import ai.apprentice.model.ChatRequest;
import ai.apprentice.model.ChatResponse;
import ai.apprentice.model.Message;
import ai.apprentice.model.Model;
import ai.apprentice.model.ModelException;
import ai.apprentice.model.ModelListener;
import ai.apprentice.model.Usage;
import de.kherud.llama.InferenceParameters;
import de.kherud.llama.LlamaModel;
import de.kherud.llama.ModelParameters;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A GGUF model run in this process by llama.cpp. The weights load on the first call (seconds for a real
 * model) and stay loaded; calls are one at a time per model. The model's own chat template renders the
 * conversation; tool calls are constrained by a grammar from the tools' schemas ({@link ToolFormat}).
 */
public final class LocalModel implements Model, AutoCloseable {
    private final String id;
    private final Path file;
    private final LocalSettings settings;
    private final AtomicLong calls = new AtomicLong();
    private LlamaModel llama;

    public LocalModel(String id, Path file, LocalSettings settings) {
        this.id = id;
        this.file = file;
        this.settings = settings;
    }

    @Override
    public String id() {
        return id;
    }

    public Path file() {
        return file;
    }

    /** The context llama.cpp is given: compaction keeps the history inside it, as it does for hosted models. */
    @Override
    public int contextWindow() {
        return settings.contextSize() > 0 ? settings.contextSize() : contextOf(file);
    }

    public LocalSettings settings() {
        return settings;
    }

    /** Loads the weights now (otherwise the first call does). */
    public synchronized LlamaModel load() {
        if (llama != null) return llama;
        if (!Files.isRegularFile(file)) throw new ModelException("The model file " + file + " does not exist", false);
        Natives.ensureLoaded();
        int context = contextWindow();
        var params = new ModelParameters().setModel(file.toString()).setCtxSize(context)
                .setThreads(settings.effectiveThreads()).setThreadsBatch(settings.effectiveThreads())
                .setParallel(1).disableLog().enableJinja();
        try {
            llama = new LlamaModel(params);
        } catch (RuntimeException e) {
            throw new ModelException("llama.cpp could not load " + file + ": " + e.getMessage(), false, 0, null, e);
        }
        return llama;
    }

    /** The model's trained context, capped at 8192 tokens so that a laptop has the memory for its cache. */
    static int contextOf(Path file) {
        try {
            var info = Gguf.readMetadata(file);
            var arch = info.string("general.architecture");
            return (int) Math.min(8192, Math.max(512, info.number(arch + ".context_length", 4096)));
        } catch (java.io.IOException e) {
            return 4096;
        }
    }

    /** Whether the last generation was cancelled part-way. */
    private boolean cancelled;

    @Override
    public synchronized ChatResponse chat(ChatRequest request, ModelListener listener) throws InterruptedException {
        var model = load();
        boolean required = settings.toolChoice().equals("required") && !request.tools().isEmpty();
        var prompt = render(request);
        int maxTokens = request.maxOutputTokens() != null ? request.maxOutputTokens() : settings.maxOutputTokens();
        var params = new InferenceParameters(prompt).setNPredict(maxTokens)
                .setTemperature((float) (request.temperature() != null ? request.temperature() : settings.temperature()))
                .setCachePrompt(!cancelled); // after a cancel the slot's cache may hold the aborted tokens' state
        cancelled = false;
        if (settings.seed() >= 0) params.setSeed(settings.seed());
        if (!request.stop().isEmpty()) params.setStopStrings(request.stop().toArray(String[]::new));
        if (!request.tools().isEmpty()) params.setGrammar(ToolFormat.grammar(request.tools(), required));
        var text = new StringBuilder();
        long outputTokens = 0;
        boolean streamingText = request.tools().isEmpty();
        var it = model.generate(params).iterator();
        boolean finished = false;
        try {
            while (true) {
                de.kherud.llama.LlamaOutput out;
                try {
                    if (!it.hasNext()) break;
                    out = it.next();
                } catch (RuntimeException e) {
                    throw new ModelException("llama.cpp failed while generating: " + e.getMessage(), false, 0, null, e);
                }
                if (Thread.interrupted()) throw new InterruptedException("generation cancelled");
                var piece = out.text;
                if (piece.isEmpty()) continue; // the closing message, or bytes held back until a character is whole
                outputTokens++;
                text.append(piece);
                // Text is streamed as it comes, unless it may turn out to be a tool call (it starts with '<').
                if (!streamingText && !text.toString().isBlank() && text.toString().stripLeading().charAt(0) != '<') {
                    streamingText = true;
                    piece = text.toString();
                }
                if (streamingText && !piece.isEmpty()) listener.onTextDelta(piece);
            }
            finished = true;
        } finally {
            if (!finished) {
                it.cancel(); // free the slot: a later call would otherwise wait for this one to run out
                cancelled = true;
            }
        }
        long inputTokens = model.encode(prompt).length;
        var usage = new Usage(inputTokens, outputTokens);
        boolean truncated = outputTokens >= maxTokens;
        var parsed = ToolFormat.parse(text.toString(), "call_" + calls.incrementAndGet() + "_");
        if (!parsed.calls().isEmpty()) return new ChatResponse(Message.assistant(parsed.text(), parsed.calls()), usage, "tool_calls");
        return new ChatResponse(Message.assistant(text.toString().strip()), usage, truncated ? "length" : "stop");
    }

    /** The prompt for a request: the conversation, with the tools in the system message, through the model's chat template. */
    String render(ChatRequest request) {
        boolean required = settings.toolChoice().equals("required") && !request.tools().isEmpty();
        var system = ToolFormat.system(request.messages(), request.tools(), required);
        return load().applyTemplate(new InferenceParameters("").setMessages(system.isEmpty() ? null : system, ToolFormat.turns(request.messages())));
    }

    /** Token ids for text, with the model's own tokenizer. */
    public int[] tokenize(String text) {
        return load().encode(text);
    }

    public String detokenize(int[] tokens) {
        return load().decode(tokens);
    }

    @Override
    public synchronized void close() {
        if (llama != null) {
            llama.close();
            llama = null;
        }
    }
}
