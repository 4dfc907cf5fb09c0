package ai.apprentice.memory.bench;

import ai.apprentice.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The LoCoMo benchmark file (Maharana et al., ACL 2024): ten long conversations with questions whose evidence
 * is a set of dialog turns. Malformed evidence ids are repaired where the intent is clear ("D:11:26",
 * "D30:05", several ids in one string) and dropped otherwise; {@link #droppedEvidence} counts those.
 */
public record Locomo(List<Conversation> conversations, int droppedEvidence) {
    public record Turn(String id, String speaker, String text, String caption, String date, int session) {
        /** The retrieval unit, phrased as the paper embeds turns. */
        public String document() {
            return speaker + " said, \"" + text + "\"" + (caption == null ? "" : " and shared " + caption);
        }
    }

    public record Question(String text, int category, List<String> evidence) {}

    public record Conversation(String id, List<Turn> turns, List<Question> questions) {}

    private static final Pattern ID = Pattern.compile("D:?(\\d+):0*(\\d+)");

    public static Locomo load(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new IOException("no LoCoMo file at " + file + " (expected locomo10.json)");
        JsonNode root = Json.MAPPER.readTree(file.toFile());
        if (!root.isArray()) throw new IOException(file + " is not a LoCoMo file: the top level is not a list of conversations");
        var conversations = new ArrayList<Conversation>();
        int dropped = 0;
        for (var c : root) {
            var conv = c.path("conversation");
            var turns = new ArrayList<Turn>();
            for (int s = 1; conv.has("session_" + s); s++) {
                String date = conv.path("session_" + s + "_date_time").asText("");
                for (var t : conv.get("session_" + s)) {
                    turns.add(new Turn(t.path("dia_id").asText(), t.path("speaker").asText(), t.path("text").asText(),
                            t.hasNonNull("blip_caption") ? t.get("blip_caption").asText() : null, date, s));
                }
            }
            Set<String> known = new java.util.HashSet<>();
            turns.forEach(t -> known.add(t.id()));
            var questions = new ArrayList<Question>();
            for (var q : c.path("qa")) {
                var evidence = new LinkedHashSet<String>();
                for (var e : q.path("evidence")) {
                    for (var part : e.asText().split("[;,\\s]+")) {
                        if (part.isBlank()) continue;
                        Matcher m = ID.matcher(part);
                        String id = m.matches() ? "D" + m.group(1) + ":" + m.group(2) : null;
                        if (id != null && known.contains(id)) evidence.add(id);
                        else dropped++;
                    }
                }
                questions.add(new Question(q.path("question").asText(), q.path("category").asInt(), List.copyOf(evidence)));
            }
            conversations.add(new Conversation(c.path("sample_id").asText(), List.copyOf(turns), List.copyOf(questions)));
        }
        return new Locomo(List.copyOf(conversations), dropped);
    }
}
