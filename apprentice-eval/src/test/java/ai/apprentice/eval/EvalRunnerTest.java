package ai.apprentice.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.apprentice.envs.EnvironmentProvider;
import ai.apprentice.envs.ScriptedUser;
import ai.apprentice.envs.taubench.TauData;
import ai.apprentice.json.Json;
import ai.apprentice.model.scripted.ScriptedModel;
import ai.apprentice.runtime.Agent;
import ai.apprentice.runtime.Budget;
import ai.apprentice.testkit.Requirements;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvalRunnerTest {
    @TempDir Path folder;

    static List<Integer> all(int n) {
        return IntStream.range(0, n).boxed().toList();
    }

    @Test
    void goldScoresOneOnEveryTestTaskOfBothDomains() throws Exception {
        for (var name : List.of("taubench-retail", "taubench-airline")) {
            var env = EnvironmentProvider.byName(name, Requirements.sharedDir("benchmarks/taubench"));
            var results = new EvalRunner(env, "test", new GoldPolicy(), null, null).run(all(env.size("test")), 1, 2, 1, null);
            assertThat(results).hasSize(env.size("test"));
            assertThat(results).filteredOn(r -> !r.success()).extracting(r -> r.taskId() + ": " + r.explanation()).isEmpty();
            var summary = Summary.json(name, "test", results, 1);
            assertThat(summary.at("/pass_hat_k/1").asDouble()).isEqualTo(1.0);
        }
    }

    @Test
    void randomIsAFloorAndTheSummaryHasEveryK() throws Exception {
        var env = EnvironmentProvider.byName("taubench-retail", Requirements.sharedDir("benchmarks/taubench"));
        var results = new EvalRunner(env, "test", new RandomPolicy(), null, null).run(all(20), 3, 2, 7, null);
        var summary = Summary.json("taubench-retail", "test", results, 7);
        assertThat(summary.get("trials").asInt()).isEqualTo(60);
        assertThat(summary.get("mean_reward").asDouble()).isLessThan(0.3);
        assertThat(summary.get("pass_at_k").has("3")).isTrue();
        assertThat(summary.at("/pass_hat_k/3").asDouble()).isLessThanOrEqualTo(summary.at("/pass_hat_k/1").asDouble());
        assertThat(summary.at("/pass_at_k/3").asDouble()).isGreaterThanOrEqualTo(summary.at("/pass_at_k/1").asDouble());
    }

    @Test
    void anInterruptedEvaluationResumesWithoutRerunningFinishedTrials() throws Exception {
        var env = EnvironmentProvider.byName("taubench-airline", Requirements.sharedDir("benchmarks/taubench"));
        var runner = new EvalRunner(env, "test", new GoldPolicy(), null, folder);
        runner.run(all(3), 2, 2, 1, null);
        Files.writeString(folder.resolve("trials.jsonl"), Files.readString(folder.resolve("trials.jsonl")) + "{\"task_id\": \"test/9\", \"tri");
        var ran = new AtomicInteger();
        var results = runner.run(all(4), 2, 2, 1, r -> ran.incrementAndGet());
        assertThat(ran.get()).isEqualTo(2); // only task 3's two trials
        assertThat(results).hasSize(8);
        assertThatThrownBy(() -> runner.run(List.of(99), 1, 1, 1, null)).hasMessageContaining("has tasks 0-49");
    }

    @Test
    void anApprenticeAgentPlaysAnEpisodeThroughTheRealLoop() throws Exception {
        var env = EnvironmentProvider.byName("taubench-retail", Requirements.sharedDir("benchmarks/taubench"));
        var task = TauData.tasks(Requirements.sharedDir("benchmarks/taubench"), TauData.Domain.RETAIL, "test").get(0);
        var turns = new ArrayList<JsonNode>();
        for (var action : task.get("actions")) {
            var t = Json.object();
            t.putArray("tool_calls").addObject().put("name", action.get("name").asText()).set("arguments", action.get("kwargs"));
            turns.add(t);
        }
        turns.add(ScriptedModel.turn("All done: your exchange is requested."));
        var policy = new AgentPolicy((instructions, tools, maxSteps) -> Agent.builder().model(ScriptedModel.of(turns.toArray(JsonNode[]::new)))
                .instructions(instructions).tools(tools).budget(Budget.DEFAULT.withMaxSteps(maxSteps)));
        var runner = new EvalRunner(env, "test", policy, () -> new ScriptedUser(List.of("Hi, I want to exchange two items.")), null);
        var result = runner.run(List.of(0), 1, 1, 1, null).getFirst();
        assertThat(result.reward()).as(result.explanation()).isEqualTo(1.0);
        assertThat(result.actions()).isEqualTo(task.get("actions").size() + 1);
        assertThat(result.runId()).isNotNull();

        // The same agent, stopped one tool call short, fails with a reason.
        turns.remove(turns.size() - 2);
        var short1 = new EvalRunner(env, "test", policy, () -> new ScriptedUser(List.of("Hi")), null).run(List.of(0), 1, 1, 1, null).getFirst();
        assertThat(short1.reward()).isZero();
        assertThat(short1.explanation()).contains("differs from the gold final state");
    }

    @Test
    void anLlmUserFollowsTheStopConventionAndAnEndlessAgentIsCapped() throws Exception {
        var env = EnvironmentProvider.byName("taubench-airline", Requirements.sharedDir("benchmarks/taubench"));
        // The user is a model too (scripted here): it opens, then stops.
        var userScript = List.<JsonNode>of(ScriptedModel.turn("Hi, I want to check my reservation."), ScriptedModel.turn("Great, thanks! ###STOP###"));
        var agentScript = List.<JsonNode>of(ScriptedModel.turn("Sure, what is your user id?"));
        var talk = new AgentPolicy((instructions, tools, maxSteps) -> Agent.builder()
                .model(new ScriptedModel("scripted:agent", agentScript)).instructions(instructions).tools(tools));
        var done = new EvalRunner(env, "test", talk, () -> new ai.apprentice.envs.LlmUser(new ScriptedModel("scripted:user", userScript)), null)
                .run(List.of(0), 1, 1, 1, null).getFirst();
        assertThat(done.actions()).isEqualTo(1); // one message to the user, then ###STOP###
        assertThat(done.explanation()).doesNotContain("did not end");

        // An agent that only ever calls tools never ends the episode: stopped at 30 actions, reward 0.
        var loop = Json.object();
        loop.putArray("tool_calls").addObject().put("name", "list_all_airports").set("arguments", Json.object());
        var endless = new AgentPolicy((instructions, tools, maxSteps) -> Agent.builder()
                .model(new ScriptedModel("scripted:loop", java.util.Collections.nCopies(100, loop))).instructions(instructions)
                .tools(tools).budget(Budget.DEFAULT.withMaxSteps(maxSteps)));
        var capped = new EvalRunner(env, "test", endless, () -> new ScriptedUser(List.of("Hi")), null).run(List.of(0), 1, 1, 1, null).getFirst();
        assertThat(capped.reward()).isZero();
        assertThat(capped.actions()).isEqualTo(30);
        assertThat(capped.explanation()).contains("30-action cap");
    }
}
