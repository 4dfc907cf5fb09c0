package ai.apprentice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.json.Json;
import ai.apprentice.testkit.Requirements;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(120)
class EvalCommandTest {
    @TempDir Path home;
    @TempDir Path ws;

    @Test
    void goldAndRandomEvaluationsReportCompareAndResume() throws Exception {
        var cli = new CliHarness(home, ws);
        var data = Requirements.sharedDir("benchmarks/taubench").toString();
        var report = ws.resolve("gold.html");
        var gold = cli.run("eval", "taubench-airline", "--data", data, "--agent", "gold", "--tasks", "0-4", "-k", "2", "--json",
                "--report", report.toString());
        assertThat(gold.exit()).as(gold.err()).isZero();
        var summary = Json.tree(gold.out());
        assertThat(summary.get("env").asText()).isEqualTo("taubench-airline");
        assertThat(summary.get("tasks").asInt()).isEqualTo(5);
        assertThat(summary.get("trials").asInt()).isEqualTo(10);
        assertThat(summary.at("/pass_hat_k/2").asDouble()).isEqualTo(1.0);
        assertThat(summary.at("/pass_at_k/1").asDouble()).isEqualTo(1.0);
        assertThat(summary.get("mean_reward").asDouble()).isEqualTo(1.0);
        assertThat(Files.readString(report)).contains("<svg").contains("pass^k").contains("test/4");
        assertThat(Files.readString(ws.resolve("gold.csv"))).startsWith("task_id,trial,reward").contains("test/0,1,1.0");
        assertThat(gold.err()).contains("10/10");

        var random = Json.tree(cli.run("eval", "taubench-airline", "--data", data, "--agent", "random", "--tasks", "0-4", "-k", "2", "--json").out());
        var compare = cli.run("eval", "compare", summary.get("id").asText(), random.get("id").asText(), "--json");
        assertThat(compare.exit()).as(compare.err()).isZero();
        var c = Json.tree(compare.out());
        assertThat(c.get("tasks").asInt()).isEqualTo(5);
        assertThat(c.get("difference").asDouble()).isLessThan(0);
        assertThat(c.get("worse_in_b").size()).isPositive();

        var resumed = cli.run("eval", "resume", summary.get("id").asText(), "--json");
        assertThat(resumed.exit()).isZero();
        assertThat(Json.tree(resumed.out()).get("trials").asInt()).isEqualTo(10);
        assertThat(resumed.err()).doesNotContain("1/10"); // nothing left to run
    }

    @Test
    void peopleGetIntervalsTheReportPathAListAndACompareTableAndFailedStartsLeaveNothing() throws Exception {
        var cli = new CliHarness(home, ws);
        var data = Requirements.sharedDir("benchmarks/taubench").toString();
        var unknown = cli.run("eval", "no-such-env", "--agent", "gold");
        var badTasks = cli.run("eval", "taubench-airline", "--data", data, "--agent", "gold", "--tasks", "48-52");
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(badTasks.exit()).isEqualTo(2);
        assertThat(home.resolve("evals")).isEmptyDirectory();
        assertThat(cli.run("eval", "list").out()).contains("No evaluations in");

        var report = ws.resolve("gold.html");
        var gold = cli.run("eval", "taubench-airline", "--data", data, "--agent", "gold", "--tasks", "0-2", "-k", "2", "--report", report.toString());
        assertThat(gold.exit()).as(gold.err()).isZero();
        assertThat(gold.out()).containsPattern("pass\\^1 = 1\\.000 \\[1\\.000, 1\\.000\\]   pass@1 = 1\\.000 \\[1\\.000, 1\\.000\\]")
                .containsPattern("pass\\^2 = 1\\.000 \\[")
                .contains("report: " + report.toAbsolutePath() + " (and " + ws.resolve("gold").toAbsolutePath() + ".json, ")
                .contains("results: " + home.resolve("evals"));
        var random = cli.run("eval", "taubench-airline", "--data", data, "--agent", "random", "--tasks", "0-2", "-k", "2", "--json");
        var goldId = gold.out().lines().filter(l -> l.startsWith("results: ")).findFirst().orElseThrow().replaceFirst(".*/", "");
        var html = Files.readString(report);
        assertThat(html).as("the header names the evaluation").contains("<code>" + goldId + "</code>").contains("agent: gold")
                .containsPattern("\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}");
        assertThat(html).as("a table with intervals").contains("<th>pass^k</th><th>95% CI</th><th>pass@k</th><th>95% CI</th>")
                .contains("<tr><td>2</td><td>1.000</td><td>[1.000, 1.000]</td>");
        assertThat(html).as("k ticks, interval bands, pass@k dashed").contains("text-anchor=\"middle\">2</text>").contains("fill-opacity=\"0.15\"")
                .contains("stroke-dasharray").contains("every trial cost $0").contains("none: no model ran");
        var randomId = Json.tree(random.out()).get("id").asText();

        var list = cli.run("eval", "list");
        assertThat(list.exit()).isZero();
        var rows = list.out().strip().lines().toList();
        assertThat(rows.get(0)).startsWith("ID").contains("PASS^1");
        assertThat(rows.get(1)).startsWith(randomId).contains("random").contains("finished"); // newest first
        assertThat(rows.get(2)).startsWith(goldId).contains("gold").contains("1.000").contains("finished");
        var listed = Json.tree(cli.run("eval", "list", "--json").out());
        assertThat(listed).hasSize(2);
        assertThat(listed.get(1).get("trials").asInt()).isEqualTo(6);

        var compare = cli.run("eval", "compare", goldId, randomId);
        assertThat(compare.exit()).as(compare.err()).isZero();
        assertThat(compare.out()).doesNotContain("[\"").contains("A = " + goldId).contains("3 shared tasks")
                .containsPattern("success\\s+1\\.000\\s+\\S+\\s+[-+]\\d\\.\\d{3}\\s+\\[[-+]\\d\\.\\d{3}, [-+]\\d\\.\\d{3}\\]")
                .containsPattern("test/\\d\\s+1\\.000\\s+0\\.\\d{3}\\s+worse in B");
    }

    /** A user who stops in the opening message ended the episode; a wrong database names the rows that differ. */
    @Test
    void aStopInTheFirstMessageEndsTheEpisodeAndTheRewardNamesTheRowsThatDiffer() throws Exception {
        var cli = new CliHarness(home, ws);
        Files.writeString(ws.resolve("agent.jsonl"), "{\"text\": \"Hello.\"}\n");
        Files.writeString(ws.resolve("user.jsonl"), "{\"text\": \"Actually, never mind. ###STOP###\"}\n");
        var r = cli.run("eval", "taubench-airline", "--data", Requirements.sharedDir("benchmarks/taubench").toString(),
                "--model", "scripted:" + ws.resolve("agent.jsonl"), "--user-model", "scripted:" + ws.resolve("user.jsonl"), "--tasks", "0", "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        var id = Json.tree(r.out()).get("id").asText();
        var trial = ai.apprentice.eval.TrialResult.readAll(home.resolve("evals").resolve(id)).get(0);
        assertThat(trial.explanation()).doesNotContain("did not end").contains("final database differs")
                .containsPattern("\\d+ rows? differ: \\w+/\\S+");
    }

    /** The acceptance line for each built-in environment: the gold agent passes every trial. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"sql", "shop", "repo", "textworld"})
    @Timeout(300)
    void goldPassesTwentyTasksTwiceOnEachBuiltInEnvironment(String env) {
        var cli = new CliHarness(home, ws);
        var gold = cli.run("eval", env, "--agent", "gold", "-k", "2", "--tasks", "0-19", "--json");
        assertThat(gold.exit()).as(gold.err()).isZero();
        var summary = Json.tree(gold.out());
        assertThat(summary.get("trials").asInt()).isEqualTo(40);
        assertThat(summary.at("/pass_hat_k/2").asDouble()).as(gold.out()).isEqualTo(1.0);
        assertThat(summary.get("errors").asInt()).isZero();
    }

    @Test
    void badInputIsExplained() {
        var cli = new CliHarness(home, ws);
        var data = Requirements.sharedDir("benchmarks/taubench").toString();
        var unknown = cli.run("eval", "no-such-env", "--agent", "gold");
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err()).contains("Unknown environment 'no-such-env'").contains("taubench-retail");
        var tasks = cli.run("eval", "taubench-airline", "--data", data, "--agent", "gold", "--tasks", "48-52");
        assertThat(tasks.exit()).isEqualTo(2);
        assertThat(tasks.err()).contains("task 50 does not exist; tasks are 0-49");
        var noData = cli.run("eval", "taubench-retail", "--data", ws.toString(), "--agent", "gold");
        assertThat(noData.exit()).isEqualTo(2);
        assertThat(noData.err()).contains("Cannot read tau-bench data").contains("orders.json");
        var split = cli.run("eval", "taubench-airline", "--data", data, "--agent", "gold", "--split", "train");
        assertThat(split.exit()).isEqualTo(2);
        assertThat(split.err()).contains("has no split 'train'");
        assertThat(cli.run("env", "list").out()).contains("taubench-retail").contains("taubench-airline");
        cli.env.put("APPRENTICE_TAUBENCH_URL", "http://127.0.0.1:9/");
        var install = cli.run("env", "install", "taubench");
        assertThat(install.exit()).isEqualTo(1);
        assertThat(install.err()).contains("Cannot download http://127.0.0.1:9/retail/data/orders.json");
        assertThat(home.resolve("data/taubench")).doesNotExist();
    }

    @Test
    void aModelAgentIsEvaluatedWithItsInstructionsAndSkills() throws Exception {
        var cli = new CliHarness(home, ws);
        var skill = java.nio.file.Files.createDirectories(home.resolve("skills/airline-etiquette"));
        java.nio.file.Files.writeString(skill.resolve("SKILL.md"), "---\nname: airline-etiquette\ndescription: How to greet airline customers.\n---\nBe polite.\n");
        java.nio.file.Files.writeString(ws.resolve("extra.md"), "Always answer in one sentence.");
        // The agent under test and the user are both scripted models: the agent greets, the user stops.
        java.nio.file.Files.writeString(ws.resolve("agent.jsonl"), "{\"tool_calls\": [{\"name\": \"use_skill\", \"arguments\": {\"name\": \"airline-etiquette\"}}]}\n{\"text\": \"Hello, how can I help?\"}\n");
        java.nio.file.Files.writeString(ws.resolve("user.jsonl"), "{\"text\": \"Hi, I need help.\"}\n{\"text\": \"Never mind. ###STOP###\"}\n");
        var r = cli.run("eval", "taubench-airline", "--data", Requirements.sharedDir("benchmarks/taubench").toString(), "--model", "scripted:" + ws.resolve("agent.jsonl"),
                "--user-model", "scripted:" + ws.resolve("user.jsonl"), "--tasks", "0", "--instructions", ws.resolve("extra.md").toString(),
                "--skills", "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(Json.tree(r.out()).get("trials").asInt()).isEqualTo(1);
        var runs = Json.tree(cli.run("runs", "list", "--json").out());
        var show = Json.tree(cli.run("runs", "show", runs.get(0).get("id").asText(), "--json").out());
        var system = show.at("/events/0/messages/0/content").asText();
        assertThat(system).contains("Airline Agent Policy").contains("Always answer in one sentence.").contains("airline-etiquette");
        assertThat(show.toString()).contains("Be polite.");
    }
}
