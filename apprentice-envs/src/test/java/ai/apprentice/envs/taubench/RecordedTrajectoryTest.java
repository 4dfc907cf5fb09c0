package ai.apprentice.envs.taubench;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Re-scoring the 200 recorded GPT-4o airline trajectories (50 tasks x 4 trials) gives exactly the rewards
 * the reference gives them; and dropping a task's last write action makes the gold replay fail.
 */
class RecordedTrajectoryTest {
    @Test
    void recordedGpt4oAirlineTrajectoriesScoreAsInTheReference() throws Exception {
        var dir = SharedData.taubench();
        var recorded = Json.MAPPER.readTree(dir.resolve("recorded/gpt-4o-airline.json").toFile());
        var expected = Files.readAllLines(dir.resolve("recorded/gpt-4o-airline.expected.jsonl")).stream().map(Json::tree).toList();
        var tasks = TauData.tasks(dir, TauData.Domain.AIRLINE, "test");
        var start = TauData.load(dir, TauData.Domain.AIRLINE);
        var mismatches = new ArrayList<String>();
        double total = 0;
        for (int i = 0; i < recorded.size(); i++) {
            var run = recorded.get(i);
            var task = tasks.get(run.get("task_id").asInt());
            var db = start.deepCopy();
            var toUser = new ArrayList<String>();
            boolean done = false;
            for (var m : run.get("traj")) {
                String role = m.path("role").asText();
                if (role.equals("assistant") && m.path("tool_calls").isArray() && !m.path("tool_calls").isEmpty()) {
                    for (var call : m.get("tool_calls")) {
                        String name = call.at("/function/name").asText();
                        JsonNode args = Json.tree(call.at("/function/arguments").asText());
                        TauTools.invoke(TauTools.airline(), db, name, args);
                        if (name.equals("transfer_to_human_agents")) done = true;
                    }
                } else if (role.equals("assistant")) {
                    toUser.add(m.path("content").asText(""));
                } else if (role.equals("user") && m.path("content").asText("").contains("###STOP###")) {
                    done = true;
                }
            }
            String gold = TauReward.goldHash(start, TauTools.airline(), task);
            var result = TauReward.score(db, gold, task, toUser);
            // gt_hash_match: whether the gold hash recorded with the run (older data) equals today's gold hash.
            boolean recordedGoldMatches = gold.equals(run.at("/info/reward_info/info/gt_data_hash").asText());
            double reward = done ? result.reward() : 0.0;
            total += reward;
            var want = expected.stream().filter(e -> e.get("task_id").asInt() == run.get("task_id").asInt()
                    && e.get("trial").asInt() == run.get("trial").asInt()).findFirst().orElseThrow();
            if (reward != want.get("replayed_reward").asDouble() || done != want.get("done").asBoolean()
                    || (want.has("gt_hash_match") && recordedGoldMatches != want.get("gt_hash_match").asBoolean())) {
                mismatches.add(run.get("task_id").asInt() + "/" + run.get("trial").asInt() + ": reward " + reward + " done " + done
                        + " hash " + result.hashMatch() + " (" + result.explanation() + ")");
            }
        }
        assertThat(recorded.size()).isEqualTo(200);
        assertThat(mismatches).as("trajectories scored differently from the reference").isEmpty();
        assertThat(total).isEqualTo(84.0);
    }

    @Test
    void droppingTheLastWriteActionGivesRewardZero() throws Exception {
        var dir = SharedData.taubench();
        var checked = 0;
        for (var domain : TauData.Domain.values()) {
            var start = TauData.load(dir, domain);
            var tools = domain == TauData.Domain.RETAIL ? TauTools.retail() : TauTools.airline();
            var tasks = TauData.tasks(dir, domain, "test");
            for (int i = 0; i < tasks.size(); i += 5) {
                var task = tasks.get(i);
                var actions = new ArrayList<JsonNode>();
                task.get("actions").forEach(actions::add);
                int lastWrite = -1;
                for (int j = 0; j < actions.size(); j++) if (isWrite(actions.get(j).get("name").asText())) lastWrite = j;
                if (lastWrite < 0) continue;
                var db = start.deepCopy();
                for (int j = 0; j < actions.size(); j++) {
                    if (j != lastWrite) TauTools.invoke(tools, db, actions.get(j).get("name").asText(), actions.get(j).get("kwargs"));
                }
                var result = TauReward.score(db, TauReward.goldHash(start, tools, task), task, List.of());
                // Some gold write actions fail on purpose and change nothing; dropping those must not matter.
                var probe = start.deepCopy();
                for (int j = 0; j < lastWrite; j++) TauTools.invoke(tools, probe, actions.get(j).get("name").asText(), actions.get(j).get("kwargs"));
                String before = PyRepr.hash(probe);
                TauTools.invoke(tools, probe, actions.get(lastWrite).get("name").asText(), actions.get(lastWrite).get("kwargs"));
                if (before.equals(PyRepr.hash(probe))) continue;
                assertThat(result.hashMatch()).as(domain + " task " + i).isFalse();
                assertThat(result.reward()).isZero();
                assertThat(result.explanation()).contains("differs from the gold final state");
                checked++;
            }
        }
        assertThat(checked).isGreaterThan(20);
    }

    private static boolean isWrite(String tool) {
        return !(tool.startsWith("get_") || tool.startsWith("find_") || tool.startsWith("list_") || tool.startsWith("search_")
                || tool.equals("calculate") || tool.equals("think") || tool.equals("transfer_to_human_agents"));
    }
}
