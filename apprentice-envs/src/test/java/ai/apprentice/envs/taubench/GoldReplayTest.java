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
    @Test
    void retailGoldReplayMatchesTheReferenceForEveryTask() throws Exception {
        var dir = TauData.sharedDir();
        Map<String, String> expected = new HashMap<>();
        for (var line : Files.readAllLines(dir.resolve("expected_gold_replay.jsonl"))) {
            var e = Json.tree(line);
            expected.put(e.get("domain").asText() + "/" + e.get("split").asText() + "/" + e.get("task_index").asInt(), e.get("final_db_hash").asText());
        }
        var start = TauData.load(dir, TauData.Domain.RETAIL);
        var mismatches = new ArrayList<String>();
        int checked = 0;
        for (var split : new String[] {"test", "train", "dev"}) {
            var tasks = TauData.tasks(dir, TauData.Domain.RETAIL, split);
            for (int i = 0; i < tasks.size(); i++) {
                var db = start.deepCopy();
                for (var action : tasks.get(i).get("actions")) {
                    TauTools.invoke(TauTools.retail(), db, action.get("name").asText(), action.get("kwargs"));
                }
                String key = "retail/" + split + "/" + i;
                if (!PyRepr.hash(db).equals(expected.get(key))) mismatches.add(key);
                checked++;
            }
        }
        assertThat(checked).isEqualTo(635);
        assertThat(mismatches).as("tasks whose final database differs from the reference").isEmpty();
    }
}
