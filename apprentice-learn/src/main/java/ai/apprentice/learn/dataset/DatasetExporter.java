package ai.apprentice.learn.dataset;

import ai.apprentice.json.Json;
import ai.apprentice.learn.dataset.DatasetFormat.Dialect;
import ai.apprentice.learn.dataset.DatasetFormat.Kind;
import ai.apprentice.model.Message;
import ai.apprentice.model.Role;
import ai.apprentice.redact.Redactor;
import ai.apprentice.store.RunStore;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Turns the rewarded runs of a run store into a dataset in one of the {@link DatasetFormat formats}.
 *
 * <ul>
 * <li>A run's reward is its latest reward event, else its latest rating or score from feedback (good 1, bad 0).
 *     Runs with neither are left out.</li>
 * <li>SFT formats: one line per run whose reward is at least the minimum (default 1.0): the whole conversation, tool
 *     calls and results included.</li>
 * <li>Paired formats: for two runs of the same task with strictly different rewards, the messages both begin with
 *     are the prompt, and their first differing messages, when both are the assistant's, are the preferred (from the
 *     better run) and the non-preferred turn. OpenAI's DPO takes text only, so for {@code openai-dpo} both turns must
 *     be text, not tool calls. With a minimum reward, the better run must reach it.</li>
 * <li>{@code trl-kto}: one line per run: everything before its last assistant turn is the prompt, that turn the
 *     completion (without the results of its tool calls), labelled true when the reward is at least the minimum
 *     (default 1.0).</li>
 * </ul>
 * Every string written goes through the redactor (on top of what the store redacted when it wrote the run), identical
 * lines are written once, and lines are split into training and validation by task, so that no task is on both sides.
 */
public final class DatasetExporter {
    /**
     * What to export. {@code env}: only runs rewarded as that environment's tasks; {@code minReward}: null for the
     * format's default; {@code since}: only runs started then or later; {@code validFraction} in [0,1] and
     * {@code seed} choose the validation tasks.
     */
    public record Options(DatasetFormat format, String env, Double minReward, Instant since, double validFraction, long seed) {
        public Options {
            if (format == null) throw new IllegalArgumentException("a dataset needs a format: one of " + String.join(", ", DatasetFormat.names()));
            if (!(validFraction >= 0 && validFraction <= 1)) {
                throw new IllegalArgumentException("the validation fraction must be between 0 and 1, got " + validFraction);
            }
            if (minReward != null && !(minReward >= 0 && minReward <= 1)) {
                throw new IllegalArgumentException("the minimum reward must be between 0 and 1, got " + minReward);
            }
            if (env != null && env.isBlank()) env = null;
        }

        public static Options of(DatasetFormat format) {
            return new Options(format, null, null, null, 0.1, 0);
        }

        public Options withEnv(String e) { return new Options(format, e, minReward, since, validFraction, seed); }
        public Options withMinReward(Double r) { return new Options(format, env, r, since, validFraction, seed); }
        public Options withSince(Instant t) { return new Options(format, env, minReward, t, validFraction, seed); }
        public Options withValidFraction(double f) { return new Options(format, env, minReward, since, f, seed); }
        public Options withSeed(long s) { return new Options(format, env, minReward, since, validFraction, s); }

        /** The reward a run needs: to be written (SFT), to be preferred (paired), to be labelled good (KTO). */
        public double threshold() {
            return minReward != null ? minReward : format.kind() == Kind.PAIRED ? 0 : 1.0;
        }
    }

    /** Why a pair of runs of one task gave no line, in the order a summary lists them. */
    static final List<String> PAIR_REASONS = List.of("preferred_below_min_reward", "no_divergent_turn", "diverges_outside_assistant_turn",
            "no_shared_prompt", "tool_call_turn");

    private final RunStore store;
    private final Redactor redactor;
    private final ToolCatalog tools;

    /** {@code redactor}: applied to every string written; {@code tools}: where tool definitions are looked up. */
    public DatasetExporter(RunStore store, Redactor redactor, ToolCatalog tools) {
        this.store = store;
        this.redactor = redactor;
        this.tools = tools;
    }

    /** One line before de-duplication: its JSON, its task, and the runs it came from. */
    private record Line(String task, String json, List<String> runs) {}

    public Dataset export(Options options) {
        var skipped = new Tally();
        var runs = store.list(Integer.MAX_VALUE);
        int runsInStore = runs.size();
        var trajectories = Trajectories.load(store, runs, options.since(), options.env(), skipped);
        var pairSkips = new Tally();
        var inferred = new TreeSet<String>();
        var lines = switch (options.format().kind()) {
            case SFT -> sft(trajectories, options, skipped, inferred);
            case UNPAIRED -> unpaired(trajectories, options, inferred);
            case PAIRED -> paired(trajectories, options, skipped, pairSkips, inferred);
        };
        // De-duplicated, then split by task.
        var seen = new HashSet<String>();
        var train = new ArrayList<String>();
        var valid = new ArrayList<String>();
        var trainTasks = new LinkedHashSet<String>();
        var validTasks = new LinkedHashSet<String>();
        var exported = new LinkedHashSet<String>();
        int duplicates = 0;
        for (var line : lines) {
            if (!seen.add(line.json())) {
                duplicates++;
                continue;
            }
            exported.addAll(line.runs());
            if (TaskSplit.validation(line.task(), options.validFraction(), options.seed())) {
                valid.add(line.json());
                validTasks.add(line.task());
            } else {
                train.add(line.json());
                trainTasks.add(line.task());
            }
        }
        return new Dataset(options, train, valid, runsInStore, trajectories.size(), exported.size(), trainTasks.size(),
                validTasks.size(), duplicates, ordered(skipped, Trajectories.REASONS, List.of("below_min_reward", "unpaired")),
                ordered(pairSkips, PAIR_REASONS, List.of()), List.copyOf(inferred));
    }

    private static LinkedHashMap<String, Integer> ordered(Tally tally, List<String> first, List<String> then) {
        var out = new LinkedHashMap<String, Integer>();
        for (var list : List.of(first, then)) for (var r : list) if (tally.get(r) > 0) out.put(r, tally.get(r));
        return out;
    }

    private List<Line> sft(List<Trajectory> runs, Options o, Tally skipped, Set<String> inferred) {
        var out = new ArrayList<Line>();
        for (var t : runs) {
            if (t.reward() < o.threshold()) {
                skipped.add("below_min_reward");
                continue;
            }
            var chat = new ChatJson(o.format().dialect());
            var line = Json.object();
            line.set("messages", chat.messages(t.messages()));
            var defs = ChatJson.tools(t.messages(), t.task(), tools, inferred);
            if (defs != null) line.set("tools", defs);
            out.add(new Line(t.task(), write(line), List.of(t.runId())));
        }
        return out;
    }

    private List<Line> unpaired(List<Trajectory> runs, Options o, Set<String> inferred) {
        var out = new ArrayList<Line>();
        for (var t : runs) {
            int last = Conversations.lastAssistant(t.messages()); // a trajectory has one
            var prompt = t.messages().subList(0, last);
            var completion = t.messages().get(last);
            var chat = new ChatJson(Dialect.TRL);
            var line = Json.object();
            line.set("prompt", chat.messages(prompt));
            line.putArray("completion").add(chat.message(completion));
            line.put("label", t.reward() >= o.threshold());
            var used = new ArrayList<>(prompt);
            used.add(completion);
            var defs = ChatJson.tools(used, t.task(), tools, inferred);
            if (defs != null) line.set("tools", defs);
            out.add(new Line(t.task(), write(line), List.of(t.runId())));
        }
        return out;
    }

    private List<Line> paired(List<Trajectory> runs, Options o, Tally skipped, Tally pairSkips, Set<String> inferred) {
        var byTask = new LinkedHashMap<String, List<Trajectory>>();
        for (var t : runs) byTask.computeIfAbsent(t.task(), k -> new ArrayList<>()).add(t);
        var out = new ArrayList<Line>();
        var paired = new HashSet<String>();
        for (var group : byTask.values()) {
            var sorted = new ArrayList<>(group);
            sorted.sort(Comparator.comparingDouble(Trajectory::reward).reversed().thenComparing(Trajectory::startedAt));
            for (int i = 0; i < sorted.size(); i++) {
                for (int j = i + 1; j < sorted.size(); j++) {
                    var better = sorted.get(i);
                    var worse = sorted.get(j);
                    if (!(better.reward() > worse.reward())) continue; // equal rewards prefer neither
                    String why = whyNoPair(better, worse, o);
                    if (why != null) {
                        pairSkips.add(why);
                        continue;
                    }
                    out.add(pairLine(better, worse, o, inferred));
                    paired.add(better.runId());
                    paired.add(worse.runId());
                }
            }
        }
        skipped.add("unpaired", (int) runs.stream().filter(t -> !paired.contains(t.runId())).count());
        return out;
    }

    /** Why two runs make no pair, or null when they do. */
    private static String whyNoPair(Trajectory better, Trajectory worse, Options o) {
        if (better.reward() < o.threshold()) return "preferred_below_min_reward";
        var a = better.messages();
        var b = worse.messages();
        int n = Conversations.commonPrefix(a, b);
        if (n >= a.size() || n >= b.size()) return "no_divergent_turn";
        if (a.get(n).role() != Role.ASSISTANT || b.get(n).role() != Role.ASSISTANT) return "diverges_outside_assistant_turn";
        if (a.subList(0, n).stream().noneMatch(m -> m.role() == Role.USER)) return "no_shared_prompt";
        if (o.format() == DatasetFormat.OPENAI_DPO && (a.get(n).hasToolCalls() || b.get(n).hasToolCalls())) return "tool_call_turn";
        return null;
    }

    private Line pairLine(Trajectory better, Trajectory worse, Options o, Set<String> inferred) {
        int n = Conversations.commonPrefix(better.messages(), worse.messages());
        var prompt = better.messages().subList(0, n);
        Message chosen = better.messages().get(n);
        Message rejected = worse.messages().get(n);
        var all = new ArrayList<>(prompt);
        all.add(chosen);
        all.add(rejected);
        var defs = ChatJson.tools(all, better.task(), tools, inferred);
        var line = Json.object();
        if (o.format() == DatasetFormat.OPENAI_DPO) {
            var chat = new ChatJson(Dialect.OPENAI);
            var input = line.putObject("input");
            input.set("messages", chat.messages(prompt));
            if (defs != null) input.set("tools", defs);
            line.putArray("preferred_output").add(chat.message(chosen));
            line.putArray("non_preferred_output").add(chat.message(rejected));
        } else {
            var chat = new ChatJson(Dialect.TRL);
            line.set("prompt", chat.messages(prompt));
            line.putArray("chosen").add(chat.message(chosen));
            line.putArray("rejected").add(chat.message(rejected));
            if (defs != null) line.set("tools", defs);
        }
        return new Line(better.task(), write(line), List.of(better.runId(), worse.runId()));
    }

    /**
     * The line as JSON text, every string redacted. U+2028 and U+2029 are escaped too: JSON allows them raw, but
     * readers that split lines the way Python's {@code str.splitlines} does would break the line there.
     */
    private String write(ObjectNode line) {
        redactor.redactStrings(line);
        return Json.write(line).replace("\u2028", "\\u2028").replace("\u2029", "\\u2029");
    }
}
