package ai.apprentice.envs.taubench;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.json.Json;
import org.junit.jupiter.api.Test;

/** A failed reward says which rows differ from the gold database, not only that two hashes do. */
class TauRewardDifferencesTest {
    @Test
    void changedMissingAndExtraRowsAreNamedWithTheirFields() {
        var gold = Json.tree("{\"orders\": {\"#W1\": {\"status\": \"cancelled\", \"items\": [1]}, \"#W2\": {\"status\": \"pending\"}},"
                + " \"users\": {\"u1\": {\"name\": \"Ada\"}}}");
        var agent = Json.tree("{\"orders\": {\"#W1\": {\"status\": \"pending\", \"items\": [1]}, \"#W3\": {\"status\": \"pending\"}},"
                + " \"users\": {\"u1\": {\"name\": \"Ada\"}}}");
        assertThat(TauReward.differences(agent, gold)).isEqualTo("3 rows differ: orders/#W1 (status: \"pending\" vs gold \"cancelled\"); "
                + "orders/#W2 only in the gold state; orders/#W3 only in the agent's");
    }

    @Test
    void nestedFieldsAreNamedByTheirPath() {
        var gold = Json.tree("{\"users\": {\"u1\": {\"payment\": {\"gift\": {\"balance\": 50, \"id\": \"g\"}}, \"name\": \"Ada\"}}}");
        var agent = Json.tree("{\"users\": {\"u1\": {\"payment\": {\"gift\": {\"balance\": 80, \"id\": \"g\"}}, \"name\": \"Ada\"}}}");
        assertThat(TauReward.differences(agent, gold)).isEqualTo("1 row differs: users/u1 (payment.gift.balance: 80 vs gold 50)");
    }

    @Test
    void manyRowsAreCountedAfterTheFirstFive() {
        var gold = Json.object();
        var agent = Json.object();
        for (int i = 0; i < 8; i++) {
            gold.with("t").putObject("r" + i).put("v", 1);
            agent.with("t").putObject("r" + i).put("v", 2);
        }
        var text = TauReward.differences(agent, gold);
        assertThat(text).startsWith("8 rows differ: t/r0 (v: 2 vs gold 1)").endsWith("; and 3 more");
        assertThat(TauReward.differences(gold, gold.deepCopy())).startsWith("no row differs");
    }
}
