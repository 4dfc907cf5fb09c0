package ai.apprentice.memory;

import ai.apprentice.json.Json;
import ai.apprentice.model.ChatRequest;
import ai.apprentice.model.Message;
import ai.apprentice.model.Model;
import ai.apprentice.model.ModelListener;
import ai.apprentice.model.Usage;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * The part of "sleep" that needs judgement, done by a model: old episodes are summarised into the lessons
 * and facts worth keeping (the summary supersedes them), and related memories that contradict each other
 * are resolved (the one that is no longer true is superseded by the current one). Everything goes into one
 * batch, so one {@code memory undo} reverses it; superseded memories stay in the history. A reply that is
 * not the JSON asked for changes nothing.
 */
public final class ModelConsolidator {
    /** Episodes older than this are summarised. */
    static final Duration OLD = Duration.ofDays(30);
    static final int MAX_EPISODES = 40, MAX_PAIRS = 20, MAX_SUMMARIES = 5;
    /** Related but not duplicates: the cosine range in which contradictions are looked for. */
    static final double RELATED_COSINE = 0.72, DUPLICATE_COSINE = 0.95;

    public record Result(String batch, List<String> summaries, int summarised, List<String[]> resolved, Usage usage, List<String> problems) {}

    private final Model model;

    public ModelConsolidator(Model model) {
        this.model = model;
    }

    public Result run(MemoryStore store, Instant now, boolean dryRun) throws InterruptedException {
        var usage = Usage.ZERO;
        var problems = new ArrayList<String>();
        var summaries = new ArrayList<String>();
        var resolved = new ArrayList<String[]>();
        String batch = null;
        int summarised = 0;

        // 1. Old episodes, per scope, become a few lasting memories.
        var byScope = new LinkedHashMap<String, List<Memory>>();
        for (var m : store.list(null, false, Integer.MAX_VALUE)) {
            if (m.kind() == Memory.Kind.EPISODE && m.createdAt().isBefore(now.minus(OLD))) {
                var group = byScope.computeIfAbsent(m.scope(), k -> new ArrayList<>());
                if (group.size() < MAX_EPISODES) group.add(m);
            }
        }
        for (var e : byScope.entrySet()) {
            if (e.getValue().size() < 2) continue;
            var ids = new LinkedHashMap<String, Memory>();
            var listing = new StringBuilder();
            for (var m : e.getValue()) {
                ids.put(m.id(), m);
                listing.append(m.id()).append(" (").append(m.createdAt().toString(), 0, 10).append("): ").append(m.text()).append('\n');
            }
            var reply = ask("You keep an AI agent's long-term memory. Below are old episodes: things that happened in past sessions. "
                    + "Summarise them into at most " + MAX_SUMMARIES + " lasting memories (lessons learned, or facts still useful), each one "
                    + "self-contained sentence, and list the ids of the episodes each one covers. Leave out episodes with nothing lasting "
                    + "in them. Answer with JSON only: {\"summaries\": [{\"text\": \"...\", \"kind\": \"lesson|fact\", \"covers\": [\"m-...\"]}]}",
                    listing.toString());
            usage = usage.plus(reply.usage());
            if (reply.problem() != null) {
                problems.add("episodes in " + e.getKey() + ": " + reply.problem());
                continue;
            }
            for (var s : reply.json().path("summaries")) {
                var text = s.path("text").asText("").strip();
                var covers = new ArrayList<String>();
                for (var id : s.path("covers")) if (ids.containsKey(id.asText())) covers.add(id.asText());
                if (text.isEmpty() || covers.isEmpty() || summaries.size() >= MAX_SUMMARIES * byScope.size()) continue;
                var kind = "fact".equalsIgnoreCase(s.path("kind").asText()) ? Memory.Kind.FACT : Memory.Kind.LESSON;
                summaries.add(text);
                summarised += covers.size();
                if (dryRun) continue;
                try {
                    var added = store.add(List.of(new Memory.New(text, null, kind, e.getKey(), "consolidation", null, 0.8, null)),
                            "summary of " + covers.size() + " old episodes (consolidation)", batch).getFirst();
                    if (!added.memory().active()) { // the same text was stored before and has since been superseded
                        problems.add("summary '" + text + "' skipped: it was remembered before and later replaced");
                        continue;
                    }
                    if (!added.duplicate()) batch = added.batch();
                    var b = store.supersede(covers, added.memory().id(), batch, "summarised (consolidation)");
                    if (b != null) batch = b;
                    covers.forEach(ids::remove); // an episode is summarised once
                } catch (IllegalArgumentException ex) { // changed meanwhile (another process): skip this one, keep the rest
                    problems.add("summary '" + text + "' skipped: " + ex.getMessage());
                }
            }
        }

        // 2. Related memories that disagree: the current one supersedes the other.
        var pairs = store.similarPairs(RELATED_COSINE, DUPLICATE_COSINE, MAX_PAIRS);
        if (!pairs.isEmpty()) {
            var listing = new StringBuilder();
            for (int i = 0; i < pairs.size(); i++) {
                var a = pairs.get(i)[0];
                var b = pairs.get(i)[1];
                listing.append(i + 1).append(". A (").append(a.createdAt().toString(), 0, 10).append("): ").append(a.text())
                        .append("\n   B (").append(b.createdAt().toString(), 0, 10).append("): ").append(b.text()).append('\n');
            }
            var reply = ask("You keep an AI agent's long-term memory. Below are pairs of related memories, each with the date it was "
                    + "stored. For each pair, decide whether the two contradict each other (they cannot both be true now). For a "
                    + "contradiction, say which one is current; when nothing else tells, the later one is. Answer with JSON only: "
                    + "{\"contradictions\": [{\"pair\": 1, \"current\": \"A|B\"}]}, listing only the pairs that contradict.",
                    listing.toString());
            usage = usage.plus(reply.usage());
            if (reply.problem() != null) {
                problems.add("contradictions: " + reply.problem());
            } else {
                var done = new java.util.HashSet<String>();
                for (var c : reply.json().path("contradictions")) {
                    int i = c.path("pair").asInt(0) - 1;
                    var current = c.path("current").asText("");
                    if (i < 0 || i >= pairs.size() || !(current.equals("A") || current.equals("B"))) continue;
                    var keep = pairs.get(i)[current.equals("A") ? 0 : 1];
                    var drop = pairs.get(i)[current.equals("A") ? 1 : 0];
                    if (!done.add(drop.id()) || done.contains(keep.id())) continue;
                    resolved.add(new String[] {drop.id(), keep.id()});
                    if (dryRun) continue;
                    try {
                        var b = store.supersede(List.of(drop.id()), keep.id(), batch, "contradicted by a current memory (consolidation)");
                        if (b != null) batch = b;
                    } catch (IllegalArgumentException ex) {
                        problems.add("pair " + (i + 1) + " skipped: " + ex.getMessage());
                    }
                }
            }
        }
        return new Result(batch, List.copyOf(summaries), summarised, List.copyOf(resolved), usage, List.copyOf(problems));
    }

    private record Reply(JsonNode json, Usage usage, String problem) {}

    private Reply ask(String system, String user) throws InterruptedException {
        var response = model.chat(new ChatRequest(List.of(Message.system(system), Message.user(user)), List.of(), 0.0, null, null), ModelListener.NONE);
        var text = response.message().text();
        int start = text.indexOf('{'), end = text.lastIndexOf('}');
        if (start < 0 || end < start) return new Reply(null, response.usage(), "the model did not answer with JSON; nothing changed");
        try {
            return new Reply(Json.MAPPER.readTree(text.substring(start, end + 1)), response.usage(), null);
        } catch (java.io.IOException e) {
            return new Reply(null, response.usage(), "the model's JSON could not be read; nothing changed");
        }
    }
}
