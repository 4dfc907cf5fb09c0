package ai.apprentice.envs.taubench;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.json.Json;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Replaying each task's gold actions gives exactly the reference's final database hash. */
class GoldReplayTest {
    private static Map<String, String> expected() throws Exception {
        Map<String, String> expected = new HashMap<>();
        for (var line : Files.readAllLines(SharedData.taubench().resolve("expected_gold_replay.jsonl"))) {
            var e = Json.tree(line);
            expected.put(e.get("domain").asText() + "/" + e.get("split").asText() + "/" + e.get("task_index").asInt(), e.get("final_db_hash").asText());
        }
        return expected;
    }

    /** Replays every task of the splits; returns the keys whose hash differs, after checking the count. */
    private static java.util.List<String> replay(TauData.Domain domain, String[] splits, int count) throws Exception {
        var dir = SharedData.taubench();
        var expected = expected();
        var tools = domain == TauData.Domain.RETAIL ? TauTools.retail() : TauTools.airline();
        var start = TauData.load(dir, domain);
        var mismatches = new ArrayList<String>();
        int checked = 0;
        for (var split : splits) {
            var tasks = TauData.tasks(dir, domain, split);
            for (int i = 0; i < tasks.size(); i++) {
                var db = start.deepCopy();
                for (var action : tasks.get(i).get("actions")) {
                    TauTools.invoke(tools, db, action.get("name").asText(), action.get("kwargs"));
                }
                String key = domain.name().toLowerCase(java.util.Locale.ROOT) + "/" + split + "/" + i;
                if (!PyRepr.hash(db).equals(expected.get(key))) mismatches.add(key);
                checked++;
            }
        }
        assertThat(checked).isEqualTo(count);
        return mismatches;
    }

    @Test
    void retailGoldReplayMatchesTheReferenceForEveryTask() throws Exception {
        assertThat(replay(TauData.Domain.RETAIL, new String[] {"test", "train", "dev"}, 635))
                .as("tasks whose final database differs from the reference").isEmpty();
    }

    @Test
    void airlineGoldReplayMatchesTheReferenceForEveryTask() throws Exception {
        assertThat(replay(TauData.Domain.AIRLINE, new String[] {"test"}, 50))
                .as("tasks whose final database differs from the reference").isEmpty();
    }
}
