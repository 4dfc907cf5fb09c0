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
 * run's, unless the request's model preferences pick a model the user configured for that server ({@link Models},
 * {@link #choose}): its hints first, else its cost, speed and intelligence priorities weighed over what is known of
 * each model. {@code includeContext} is not followed: the client decides, as the specification allows.
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
     * A model a server's requests may be served by, with what the user says of it: {@code speed} and {@code intelligence}
     * on any scale of the user's (higher: faster, more capable), null when not said. Its cost is not said here: it is
     * the price table's (which the user extends with {@code prices:}).
     */
    public record Rated(String spec, Double speed, Double intelligence) {
        public Rated {
            if (speed != null && !(speed >= 0)) throw new IllegalArgumentException("speed must be a number >= 0");
            if (intelligence != null && !(intelligence >= 0)) throw new IllegalArgumentException("intelligence must be a number >= 0");
        }

        public static Rated unrated(String spec) {
            return new Rated(spec, null, null);
        }
    }

    /**
     * The models the user configured for a server's sampling ({@code mcp_servers.NAME.sampling_models}, in order), and
     * how one is built. A request's model preferences pick among them (see {@link #choose}).
     */
    public interface Models {
        Models NONE = new Models() {
            @Override public List<String> configured(String server) { return List.of(); }
            @Override public Model build(String spec) { throw new IllegalStateException("no models configured"); }
        };

        /** PROVIDER:MODEL specs, the user's order; empty: the run's model always. */
        List<String> configured(String server);

        /** The configured models with what the user says of their speed and intelligence; by default nothing. */
        default List<Rated> rated(String server) {
            return configured(server).stream().map(Rated::unrated).toList();
        }

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

    /** The configured model a request's hints prefer, or null: {@link #choose} without priorities or prices. */
    static String preferred(McpSchema.ModelPreferences preferences, List<String> configured) {
        return choose(preferences, configured.stream().map(Rated::unrated).toList(), null, new PriceTable());
    }

    /**
     * The configured model a request's model preferences pick, or null for the run's own model ({@code own}, its
     * PROVIDER:MODEL id; null when there is none). A server gets no model the user did not name. As the specification
     * has it (2025-11-25, "Model Preferences" and the schema's {@code ModelPreferences}):
     * <ol>
     *   <li>the hints come first, tried in order, each a substring of a model's name (here, case-insensitively, of the
     *       configured PROVIDER:MODEL); the first hint that matches any configured model decides. When it matches several,
     *       the priorities choose among them ("MAY still use the priorities to select from ambiguous matches"), else the
     *       first in the user's order;</li>
     *   <li>no hint matching, the priorities ({@code costPriority}, {@code speedPriority}, {@code intelligencePriority},
     *       0 to 1; missing is 0) weigh the configured models and the run's own model. Each model scores, per priority,
     *       where it stands between the worst and the best of them on that axis (0 to 1): cheaper is better, by the price
     *       table's input plus output price per million tokens on a log scale (prices span orders of magnitude; a local
     *       model is free); faster and more capable are better, by the user's {@code speed} and {@code intelligence}. A model
     *       with no price, or no figure for an axis, scores 0 there: it is never picked for a merit nobody vouched for.
     *       The highest weighted sum wins; on a tie the run's model, then the user's order. All priorities 0, or nothing
     *       known that tells the models apart: the run's model.</li>
     * </ol>
     */
    static String choose(McpSchema.ModelPreferences preferences, List<Rated> configured, String own, PriceTable prices) {
        if (preferences == null || configured.isEmpty()) return null;
        if (preferences.hints() != null) {
            for (var hint : preferences.hints()) {
                if (hint == null || hint.name() == null || hint.name().isBlank()) continue;
                var h = hint.name().strip().toLowerCase(Locale.ROOT);
                var matches = configured.stream().filter(r -> r.spec().toLowerCase(Locale.ROOT).contains(h)).toList();
                if (matches.isEmpty()) continue;
                int best = best(matches, preferences, prices);
                return matches.get(Math.max(best, 0)).spec();
            }
        }
        // The run's own model competes too, first (it wins ties), with what the user says of it if they list it.
        var candidates = new ArrayList<Rated>();
        Rated listed = own == null ? null : configured.stream().filter(r -> r.spec().equalsIgnoreCase(own)).findFirst().orElse(null);
        if (own != null) candidates.add(listed != null ? listed : Rated.unrated(own));
        for (var r : configured) if (r != listed) candidates.add(r);
        int best = best(candidates, preferences, prices);
        if (best < 0 || (own != null && best == 0)) return null;
        return candidates.get(best).spec();
    }

    /** The index of the candidate the priorities rate highest (the first of equals); -1 when they tell none apart. */
    private static int best(List<Rated> candidates, McpSchema.ModelPreferences preferences, PriceTable prices) {
        double wc = weight(preferences.costPriority()), ws = weight(preferences.speedPriority()), wi = weight(preferences.intelligencePriority());
        if (wc + ws + wi == 0 || candidates.size() < 2) return -1;
        var score = new double[candidates.size()];
        if (wc > 0) add(score, wc, candidates.stream().map(r -> {
            var price = prices.lookup(r.spec());
            return price == null ? null : -Math.log1p(price.inputPerMillion() + price.outputPerMillion()); // cheaper: higher
        }).toList());
        if (ws > 0) add(score, ws, candidates.stream().map(Rated::speed).toList());
        if (wi > 0) add(score, wi, candidates.stream().map(Rated::intelligence).toList());
        int best = 0;
        boolean apart = false;
        for (int i = 1; i < score.length; i++) {
            if (score[i] != score[0]) apart = true;
            if (score[i] > score[best]) best = i;
        }
        return apart ? best : -1;
    }

    /** Adds {@code weight} times each value's place between the lowest and the highest known (0 to 1; unknown: 0). */
    private static void add(double[] score, double weight, List<Double> values) {
        double min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
        for (var v : values) {
            if (v == null) continue;
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        if (min == Double.POSITIVE_INFINITY) return; // nothing known on this axis
        for (int i = 0; i < score.length; i++) {
            var v = values.get(i);
            if (v != null) score[i] += weight * (max > min ? (v - min) / (max - min) : 1.0);
        }
    }

    /** A priority as a weight: clamped to 0..1, missing or not a number is 0. */
    private static double weight(Double priority) {
        return priority == null || priority.isNaN() ? 0 : Math.max(0, Math.min(1, priority));
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
        var own = model.apply(call);
        var spec = choose(request.modelPreferences(), models.rated(server), own == null ? null : own.id(), prices.get());
        Model m;
        try {
            m = spec != null ? models.build(spec) : own;
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
