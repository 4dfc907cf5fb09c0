package ai.apprentice.envs.sql;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.envs.EnvironmentProvider;
import ai.apprentice.eval.EvalRunner;
import ai.apprentice.eval.GoldPolicy;
import ai.apprentice.eval.RandomPolicy;
import ai.apprentice.eval.Summary;
import ai.apprentice.json.Json;
import ai.apprentice.tool.Tool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(120)
class SqlEnvironmentTest {
    @TempDir Path cache;

    private static Tool tool(ai.apprentice.envs.Episode e, String name) {
        return e.tools().stream().filter(t -> t.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void goldScoresOneEverywhereAndRandomStaysLow() throws Exception {
        var env = new SqlEnvironment(cache);
        var all = IntStream.range(0, env.size("test")).boxed().toList();
        var gold = new EvalRunner(env, "test", new GoldPolicy(), null, null).run(all, 1, 2, 1, null);
        assertThat(gold).filteredOn(r -> !r.success()).extracting(r -> r.taskId() + ": " + r.explanation()).isEmpty();
        var random = new EvalRunner(env, "test", new RandomPolicy(), null, null).run(all, 1, 2, 1, null);
        assertThat(Summary.json("sql", "test", random, 1).get("mean_reward").asDouble()).isLessThan(0.1);
        assertThat(EnvironmentProvider.byName("sql", null).name()).isEqualTo("sql");
    }

    @Test
    void aSeedGivesTheSameTasksAndDatabases(@TempDir Path other) throws Exception {
        var a = new SqlEnvironment(cache);
        var b = new SqlEnvironment(other);
        for (int i = 0; i < 12; i++) assertThat(a.task("train", i)).isEqualTo(b.task("train", i));
        assertThat(a.task("train", 0)).isNotEqualTo(a.task("test", 0).question().equals(a.task("train", 0).question()) ? null : a.task("test", 0));
        var ea = (SqlEpisode) a.start("train", 4, 0, null);
        var eb = (SqlEpisode) b.start("train", 4, 0, null);
        assertThat(ea.query("SELECT * FROM students ORDER BY id")).isEqualTo(eb.query("SELECT * FROM students ORDER BY id"));
        assertThat(Files.size(a.database("train", "store"))).isEqualTo(Files.size(b.database("train", "store")));
    }

    @Test
    void queriesAreReadOnlyTimeBoundedAndWrongAnswersAreExplained() throws Exception {
        var env = new SqlEnvironment(cache);
        var e = env.start("test", 3, 0, null); // store, template 1: products of a category, most expensive first
        assertThat(tool(e, "list_tables").execute(Json.object(), null).content()).contains("customers").contains("orders");
        assertThat(tool(e, "describe_table").execute(Json.object().put("table", "products"), null).content()).contains("price REAL");
        var write = tool(e, "run_query").execute(Json.object().put("sql", "DELETE FROM products"), null);
        assertThat(write.error()).isTrue();
        assertThat(write.content()).contains("SQL error");
        var runaway = tool(e, "run_query").execute(Json.object().put("sql",
                "WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM r) SELECT COUNT(*) FROM r"), null);
        assertThat(runaway.error()).isTrue();
        assertThat(runaway.content()).contains("took longer than 5 s and was stopped");
        var gold = ((SqlEpisode) e).goldActions().getFirst().at("/kwargs/sql").asText();
        var reversed = gold.replace("ORDER BY price DESC", "ORDER BY price ASC");
        assertThat(tool(e, "submit_query").execute(Json.object().put("sql", reversed), null).content()).isEqualTo("Submitted.");
        var reward = e.reward();
        assertThat(reward.value()).isZero();
        assertThat(reward.explanation()).contains("row 1 differs");
        var none = env.start("test", 0, 0, null);
        none.reply("42");
        assertThat(none.reward().explanation()).isEqualTo("no query was submitted");
    }
}
