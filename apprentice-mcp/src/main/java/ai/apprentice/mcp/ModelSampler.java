package ai.apprentice.mcp;

import ai.apprentice.model.ChatRequest;
import ai.apprentice.model.ChatResponse;
import ai.apprentice.model.Message;
import ai.apprentice.model.Model;
import ai.apprentice.model.ModelException;
import ai.apprentice.model.ModelListener;
import ai.apprentice.model.PriceTable;
import ai.apprentice.tool.ToolContext;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Serves sampling requests with apprentice's own model: the request's text messages, system prompt, temperature and
 * stop sequences become one {@link ChatRequest} without tools, and the reply's text goes back with the model's id and
 * why it stopped ({@code endTurn} or {@code maxTokens}). Images and audio are refused (invalid params), and so is a
 * request nobody approved ({@link Approval}). The call counts against the budget of the run whose tool call it came
 * during: refused once that budget is spent, its output capped by the tokens left (and never above {@link #MAX_TOKENS}),
 * its tokens and cost charged to the run and its ancestors and recorded as a usage event of the run. The model is the
 * run's, unless the request's model hints match a model the user configured for that server ({@link Models},
 * {@link #preferred}); the priorities and {@code includeContext} are not followed: the client decides, as the
 * specification allows.
 */
public final class ModelSampler implements McpSampler {
    /** The most output tokens one sampled call gets, whatever the request asks for. */
    public static final int MAX_TOKENS = 4096;
    /** How much of the system prompt and of the last message a person is shown before approving. */
    static final int SHOWN = 400;

    /** Whether a request may be served: null when approved, else the reason it is not (the server is told). */
    @FunctionalInterface
    public interface Approval {
        String refusal(String server, McpSchema.CreateMessageRequest request);

        /**
         * Asks a person on a terminal: the server's name, its system prompt and its last message are shown (cut, their
         * control characters inert, see {@link TerminalElicitor#safe}), then yes or no.
         */
        static Approval terminal(Consumer<String> out, TerminalElicitor.Lines in) {
            return (server, request) -> {
                synchronized (in) {
                    out.accept("MCP server '" + TerminalElicitor.safe(server) + "' asks to use apprentice's model (sampling; its words, not apprentice's):");
                    if (request.systemPrompt() != null && !request.systemPrompt().isBlank()) {
                        out.accept("  system prompt: " + TerminalElicitor.safe(cut(request.systemPrompt())));
                    }
                    var messages = request.messages() == null ? List.<McpSchema.SamplingMessage>of() : request.messages();
                    if (!messages.isEmpty()) {
                        var last = messages.get(messages.size() - 1);
                        out.accept("  last message (" + messages.size() + " in all, " + last.role().name().toLowerCase(Locale.ROOT) + "): "
                                + TerminalElicitor.safe(cut(last.content() instanceof McpSchema.TextContent t ? t.text() : "[" + last.content().type() + "]")));
                    }
                    out.accept("  at most " + Math.min(request.maxTokens() <= 0 ? MAX_TOKENS : request.maxTokens(), MAX_TOKENS) + " output tokens");
                    var answer = in.ask("Let it sample? [y]es, [n]o: ");
                    if (answer != null && answer.strip().toLowerCase(Locale.ROOT).startsWith("y")) return null;
                    return "the person declined";
                }
            };
        }

        private static String cut(String text) {
            return text.length() <= SHOWN ? text : text.substring(0, SHOWN) + "… (" + text.length() + " characters)";
        }
    }

    /**
     * The models the user configured for a server's sampling ({@code mcp_servers.NAME.sampling_models}, in order), and
     * how one is built. A request's {@code modelPreferences.hints} pick among them (see {@link #preferred}).
     */
    public interface Models {
        Models NONE = new Models() {
            @Override public List<String> configured(String server) { return List.of(); }
            @Override public Model build(String spec) { throw new IllegalStateException("no models configured"); }
        };

        /** PROVIDER:MODEL specs, the user's order; empty: the run's model always. */
        List<String> configured(String server);

        /** The model of a configured spec. */
        Model build(String spec);
    }

    private final java.util.function.Function<ToolContext, Model> model;
    private final Supplier<PriceTable> prices;
    private final Approval approval;
    private final Models models;

    /**
     * @param model the model that answers (got once a request is approved: the latest run's); null from it refuses
     * @param prices what its tokens cost, for the run's cost budget
     */
    public ModelSampler(Supplier<Model> model, Supplier<PriceTable> prices, Approval approval) {
        this(model, prices, approval, Models.NONE);
    }

    /** @param models the configured models a request's hints may pick instead of {@code model} */
    public ModelSampler(Supplier<Model> model, Supplier<PriceTable> prices, Approval approval, Models models) {
        this(call -> model.get(), prices, approval, models);
    }

    /**
     * @param model the model that answers a request that came during {@code call} (null: no call known): the model of
     *              that call's run; null from it refuses
     */
    public ModelSampler(java.util.function.Function<ToolContext, Model> model, Supplier<PriceTable> prices, Approval approval, Models models) {
        this.model = model;
        this.prices = prices;
        this.approval = approval;
        this.models = models;
    }

    /**
     * The configured model a request's hints prefer, or null (the run's model then). As the specification has it, the
     * hints are tried in order and each is a substring of a model's name (here, case-insensitively, of the configured
     * PROVIDER:MODEL); the first hint that matches a configured model picks it (the first such in the user's order).
     * The priorities (cost, speed, intelligence) are not weighed: only the user's list is trusted to say what a model
     * costs, and a server gets no model the user did not name.
     */
    static String preferred(McpSchema.ModelPreferences preferences, List<String> configured) {
        if (preferences == null || preferences.hints() == null || configured.isEmpty()) return null;
        for (var hint : preferences.hints()) {
            if (hint == null || hint.name() == null || hint.name().isBlank()) continue;
            var h = hint.name().strip().toLowerCase(Locale.ROOT);
            for (var spec : configured) {
                if (spec.toLowerCase(Locale.ROOT).contains(h)) return spec;
            }
        }
        return null;
    }

    @Override
    public McpSchema.CreateMessageResult sample(String server, McpSchema.CreateMessageRequest request, ToolContext call) {
        var spending = call == null ? null : call.spending();
        var messages = new ArrayList<Message>();
        if (request.systemPrompt() != null && !request.systemPrompt().isBlank()) messages.add(Message.system(request.systemPrompt()));
        var asked = request.messages() == null ? List.<McpSchema.SamplingMessage>of() : request.messages();
        for (int i = 0; i < asked.size(); i++) {
            var m = asked.get(i);
            if (!(m.content() instanceof McpSchema.TextContent t)) {
                throw invalid("message " + (i + 1) + " is " + (m.content() == null ? "empty" : m.content().type()) + " content; apprentice samples text only (no images or audio)");
            }
            messages.add(m.role() == McpSchema.Role.ASSISTANT ? Message.assistant(t.text()) : Message.user(t.text()));
        }
        if (asked.isEmpty()) throw invalid("the request has no messages");
        long tokensLeft = spending == null ? Long.MAX_VALUE : spending.remainingTokens();
        if (tokensLeft <= 0 || (spending != null && spending.remainingCostUsd() <= 0)) {
            throw McpSampler.refused("the budget of run " + spending.runId() + " is spent");
        }
        int maxTokens = (int) Math.min(Math.min(request.maxTokens() <= 0 ? MAX_TOKENS : request.maxTokens(), MAX_TOKENS), tokensLeft);
        var why = approval.refusal(server, request);
        if (why != null) throw McpSampler.refused(why);
        var spec = preferred(request.modelPreferences(), models.configured(server));
        Model m;
        try {
            m = spec != null ? models.build(spec) : model.apply(call);
        } catch (RuntimeException e) {
            throw McpError.builder(McpSchema.ErrorCodes.INTERNAL_ERROR).message("the model " + spec + " (mcp_servers." + server
                    + ".sampling_models) could not be used: " + e.getMessage()).build();
        }
        if (m == null) throw McpSampler.refused("no run's model to sample with");
        ChatResponse reply;
        try {
            reply = m.chat(new ChatRequest(messages, List.of(), request.temperature(), maxTokens, request.stopSequences()), ModelListener.NONE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw McpError.builder(McpSchema.ErrorCodes.INTERNAL_ERROR).message("sampling stopped: the apprentice run was cancelled").build();
        } catch (ModelException e) {
            throw McpError.builder(McpSchema.ErrorCodes.INTERNAL_ERROR).message("apprentice's model failed: " + e.getMessage()).build();
        }
        if (call != null) {
            var table = prices.get();
            call.chargeModelCall(reply.usage(), table.cost(m.id(), reply.usage()), !table.priced(m.id()));
        }
        var finish = reply.finishReason() == null ? "" : reply.finishReason().toLowerCase(Locale.ROOT);
        var stop = switch (finish) {
            case "length", "max_tokens", "max_output_tokens" -> McpSchema.CreateMessageResult.StopReason.MAX_TOKENS;
            default -> McpSchema.CreateMessageResult.StopReason.END_TURN;
        };
        return new McpSchema.CreateMessageResult(McpSchema.Role.ASSISTANT, new McpSchema.TextContent(reply.message().text()), m.id(), stop);
    }

    private static McpError invalid(String why) {
        return McpError.builder(McpSchema.ErrorCodes.INVALID_PARAMS).message("sampling request rejected: " + why).build();
    }
}
