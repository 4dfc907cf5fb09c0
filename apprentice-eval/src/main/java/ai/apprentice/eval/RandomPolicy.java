package ai.apprentice.eval;

import ai.apprentice.envs.Episode;
import ai.apprentice.json.Json;
import ai.apprentice.tool.Tool;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;

/**
 * Calls random tools with arguments of the right types, drawn from the episode's admissible actions when it
 * lists them, else from words of the task (ids, names) and small numbers, then says goodbye: a floor that any
 * real agent must beat.
 */
public final class RandomPolicy implements Policy {
    static final int CALLS = 8;
    private static final Pattern WORD = Pattern.compile("#?[A-Za-z0-9_]{3,}");

    @Override
    public Spend play(Episode episode, long seed) throws InterruptedException {
        var rnd = new Random(seed);
        var opening = episode.firstUserMessage();
        var words = new ArrayList<String>();
        var m = WORD.matcher(opening);
        while (m.find()) words.add(m.group());
        if (words.isEmpty()) words.add("unknown");
        var tools = episode.tools().stream().filter(t -> !t.name().equals("transfer_to_human_agents")).toList();
        // Where moves are listed (games, shops), play the whole step budget, as a random agent does in those benchmarks.
        int calls = episode.admissibleActions().isEmpty() ? CALLS : episode.maxActions();
        for (int i = 0; i < calls && !episode.done(); i++) {
            var tool = tools.get(rnd.nextInt(tools.size()));
            var admissible = episode.admissibleActions();
            try {
                tool.execute(arguments(tool.parameters(), admissible.isEmpty() ? words : admissible, rnd), null);
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception ignored) {
                // a refused call is part of playing at random
            }
        }
        if (!episode.done()) episode.reply("I have done what I could.");
        return Spend.NONE;
    }

    static ObjectNode arguments(JsonNode schema, List<String> words, Random rnd) {
        var args = Json.object();
        schema.path("properties").fields().forEachRemaining(e -> args.set(e.getKey(), value(e.getValue(), words, rnd)));
        return args;
    }

    private static JsonNode value(JsonNode schema, List<String> words, Random rnd) {
        return switch (schema.path("type").asText()) {
            case "integer" -> Json.MAPPER.getNodeFactory().numberNode(rnd.nextInt(4));
            case "number" -> Json.MAPPER.getNodeFactory().numberNode(rnd.nextInt(200));
            case "boolean" -> Json.MAPPER.getNodeFactory().booleanNode(rnd.nextBoolean());
            case "array" -> Json.MAPPER.createArrayNode().add(value(schema.path("items"), words, rnd));
            case "object" -> arguments(schema, words, rnd);
            default -> Json.MAPPER.getNodeFactory().textNode(words.get(rnd.nextInt(words.size())));
        };
    }
}
