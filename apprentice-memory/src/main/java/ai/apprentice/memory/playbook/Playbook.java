package ai.apprentice.memory.playbook;

import ai.apprentice.json.Json;
import com.fasterxml.jackson.core.type.TypeReference;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Itemised lessons put into the instructions of the agents they apply to, after ACE's evolving playbook: edited by
 * small deltas (add, modify, delete), never rewritten whole; a lesson that says what another in its scope already
 * says is merged into it; the lessons of one scope stay within a token budget. Immutable: every edit returns a new
 * playbook, and its JSON ({@link #json()}) is what the learned store versions byte for byte.
 */
public final class Playbook {
    /** Tokens the lessons of one scope may take in the instructions. */
    public static final int DEFAULT_TOKEN_BUDGET = 1200;
    /** Cosine similarity at which two lessons say the same thing. */
    public static final double SAME_MEANING = 0.9;

    /** How alike two texts are in meaning, in [-1, 1]; the harness uses the memory's embedder. */
    @FunctionalInterface
    public interface Similarity {
        double of(String a, String b);

        /** Only texts equal after normalising case, spaces and punctuation count as the same. */
        Similarity EXACT = (a, b) -> normal(a).equals(normal(b)) ? 1 : 0;
    }

    /** One edit. {@code lessonId} names the lesson a modify or delete changes; an add gets a fresh id. */
    public record Delta(String op, String lessonId, String text, String scope) {
        public Delta {
            if (!List.of("add", "modify", "delete").contains(op)) throw new IllegalArgumentException("a delta's op is add, modify or delete, got " + op);
            if (!op.equals("add") && (lessonId == null || lessonId.isBlank())) throw new IllegalArgumentException(op + " needs the id of the lesson it changes");
            if (!op.equals("delete") && (text == null || text.isBlank())) throw new IllegalArgumentException(op + " needs the lesson's text");
            if (op.equals("add")) Scopes.check(scope);
            if (text != null && text.codePoints().anyMatch(c -> (c < 0x20 && c != '\n' && c != '\t') || (c >= 0x7f && c <= 0x9f))) {
                throw new IllegalArgumentException("a lesson's text may not hold control characters (terminal escapes among them)");
            }
        }

        public static Delta add(String text, String scope) {
            return new Delta("add", null, text, scope);
        }
    }

    /** What applying deltas did: the new playbook, and for each delta what happened, in words. */
    public record Applied(Playbook playbook, List<String> notes, boolean changed) {}

    private final List<Lesson> lessons;
    private final int tokenBudget;

    public Playbook(List<Lesson> lessons, int tokenBudget) {
        this.lessons = List.copyOf(lessons);
        this.tokenBudget = tokenBudget;
        var ids = new java.util.HashSet<String>();
        for (var l : lessons) if (!ids.add(l.id())) throw new IllegalArgumentException("two lessons have the id " + l.id());
    }

    public static Playbook empty() {
        return new Playbook(List.of(), DEFAULT_TOKEN_BUDGET);
    }

    public List<Lesson> lessons() { return lessons; }
    public int tokenBudget() { return tokenBudget; }

    public Optional<Lesson> lesson(String id) {
        return lessons.stream().filter(l -> l.id().equals(id)).findFirst();
    }

    public List<Lesson> in(Collection<String> scopes) {
        return lessons.stream().filter(l -> scopes.contains(l.scope())).toList();
    }

    public int tokens(String scope) {
        return lessons.stream().filter(l -> l.scope().equals(scope)).mapToInt(Lesson::tokens).sum();
    }

    /**
     * Applies {@code deltas} in order. An add whose meaning an existing lesson of its scope already has becomes
     * credit for that lesson; a modify or delete of a lesson that does not exist is skipped with a note; when a
     * scope goes over its budget, its least valuable lessons (net credit, then newest) are dropped, never the one
     * just added unless it alone is over budget.
     */
    public Applied apply(List<Delta> deltas, List<String> provenance, Similarity similarity) {
        var list = new ArrayList<>(lessons);
        var notes = new ArrayList<String>();
        boolean changed = false;
        for (var d : deltas) {
            switch (d.op()) {
                case "add" -> {
                    int same = -1;
                    for (int i = 0; i < list.size(); i++) {
                        var l = list.get(i);
                        if (l.scope().equals(d.scope()) && similarity.of(l.text(), d.text()) >= SAME_MEANING) {
                            same = i;
                            break;
                        }
                    }
                    if (same >= 0) {
                        var l = list.get(same);
                        list.set(same, l.from(provenance));
                        notes.add("already known as " + l.id() + ": \"" + l.text() + "\"");
                        continue;
                    }
                    var lesson = new Lesson(newId(list, d.text(), d.scope()), d.text(), d.scope(), 0, 0, provenance);
                    if (lesson.tokens() > tokenBudget) {
                        notes.add("not added: the lesson alone (" + lesson.tokens() + " tokens) exceeds the budget of " + tokenBudget);
                        continue;
                    }
                    list.add(lesson);
                    notes.add("added " + lesson.id());
                    changed = true;
                    notes.addAll(fit(list, d.scope(), lesson.id()));
                }
                case "modify" -> {
                    int i = indexOf(list, d.lessonId());
                    if (i < 0) {
                        notes.add("no lesson " + d.lessonId() + " to modify");
                        continue;
                    }
                    if (list.get(i).text().equals(d.text().strip())) {
                        notes.add(d.lessonId() + " already says that");
                        continue;
                    }
                    list.set(i, list.get(i).withText(d.text()).from(provenance));
                    notes.add("modified " + d.lessonId());
                    changed = true;
                    notes.addAll(fit(list, list.get(i).scope(), d.lessonId()));
                }
                default -> {
                    int i = indexOf(list, d.lessonId());
                    if (i < 0) {
                        notes.add("no lesson " + d.lessonId() + " to delete");
                        continue;
                    }
                    list.remove(i);
                    notes.add("deleted " + d.lessonId());
                    changed = true;
                }
            }
        }
        return new Applied(new Playbook(list, tokenBudget), notes, changed);
    }

    /** Credits ({@code helpful}) or blames a lesson; unknown ids are ignored (a reflector may name stale ones). */
    public Playbook count(String id, boolean helpful) {
        var list = new ArrayList<>(lessons);
        int i = indexOf(list, id);
        if (i < 0) return this;
        list.set(i, list.get(i).counted(helpful));
        return new Playbook(list, tokenBudget);
    }

    /** Drops the least valuable lessons of {@code scope} until it fits, keeping {@code keep}. */
    private List<String> fit(List<Lesson> list, String scope, String keep) {
        var notes = new ArrayList<String>();
        while (list.stream().filter(l -> l.scope().equals(scope)).mapToInt(Lesson::tokens).sum() > tokenBudget) {
            var victim = list.stream().filter(l -> l.scope().equals(scope) && !l.id().equals(keep))
                    .min(Comparator.comparingInt(Lesson::value).thenComparing(l -> -list.indexOf(l))).orElse(null);
            if (victim == null) break;
            list.remove(victim);
            notes.add("dropped " + victim.id() + " to stay within " + tokenBudget + " tokens");
        }
        return notes;
    }

    private static int indexOf(List<Lesson> list, String id) {
        for (int i = 0; i < list.size(); i++) if (list.get(i).id().equals(id)) return i;
        return -1;
    }

    /** A short id from the lesson's scope and text, lengthened on the rare clash so it stays unique. */
    private static String newId(List<Lesson> list, String text, String scope) {
        var hex = sha256(scope + "\n" + normal(text));
        for (int n = 6; ; n++) {
            String id = "L-" + hex.substring(0, n);
            if (indexOf(list, id) < 0) return id;
        }
    }

    private static String sha256(String text) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e); // every JDK has SHA-256
        }
    }

    static String normal(String text) {
        return text.toLowerCase(Locale.ROOT).replaceAll("[\\p{Punct}\\s]+", " ").strip();
    }

    /**
     * The section of the instructions for {@code scopes}, or "" when no lesson applies. Counters and provenance stay
     * out of it: only what a lesson says changes what the agent does.
     */
    public String section(Collection<String> scopes) {
        var applicable = in(scopes);
        if (applicable.isEmpty()) return "";
        var sb = new StringBuilder("## Lessons learned\nLessons from earlier work, kept because they helped. Follow them where they apply.\n");
        for (var l : applicable) sb.append("- [").append(l.id()).append("] ").append(l.text().replace("\n", " ")).append('\n');
        return sb.toString().stripTrailing();
    }

    /** The playbook as stable, pretty JSON: what is versioned, diffed and restored. */
    public String json() {
        var o = Json.object().put("token_budget", tokenBudget);
        o.set("lessons", Json.MAPPER.valueToTree(lessons));
        return o.toPrettyString() + "\n";
    }

    public static Playbook fromJson(String json) {
        try {
            var node = Json.MAPPER.readTree(json);
            if (node == null || !node.isObject()) throw new IllegalArgumentException("a playbook is a JSON object with lessons");
            List<Lesson> lessons = Json.MAPPER.convertValue(node.path("lessons"), new TypeReference<List<Lesson>>() {});
            return new Playbook(lessons == null ? List.of() : lessons, node.path("token_budget").asInt(DEFAULT_TOKEN_BUDGET));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("not a playbook: " + e.getOriginalMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a playbook: " + e.getMessage(), e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Playbook p && p.lessons.equals(lessons) && p.tokenBudget == tokenBudget;
    }

    @Override
    public int hashCode() {
        return lessons.hashCode() * 31 + tokenBudget;
    }
}
