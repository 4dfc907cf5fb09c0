package ai.apprentice.envs;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.envs.taubench.SharedData;
import ai.apprentice.model.scripted.ScriptedModel;
import ai.apprentice.testkit.Requirements;
import java.util.List;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** Every environment's episodes report the id Environment.taskId gives (evaluation resume keys on it). */
class TaskIdTest {
    /** One test per environment found, on the first two tasks of each split. */
    @TestFactory
    List<DynamicTest> everyEpisodeReportsItsEnvironmentsTaskId() {
        var names = EnvironmentProvider.all().stream().flatMap(p -> p.names().stream()).sorted().toList();
        assertThat(names).contains("taubench-retail", "taubench-airline", "sql", "shop", "repo", "textworld");
        return names.stream().map(name -> DynamicTest.dynamicTest(name, () -> {
            // The repo environment starts episodes only inside the shell sandbox.
            if (name.equals("repo")) Requirements.bubblewrap();
            var env = EnvironmentProvider.byName(name, name.startsWith("taubench-") ? SharedData.taubench() : null);
            for (var split : env.splits()) {
                for (int index : List.of(0, Math.min(1, env.size(split) - 1))) {
                    try (var episode = env.start(split, index, 1, new ScriptedUser(List.of()))) {
                        assertThat(episode.taskId()).as(name + " " + split + " " + index).isEqualTo(env.taskId(split, index));
                    }
                }
            }
        })).toList();
    }

    @Test
    void environmentsWithoutTheirOwnUserGetTheGenericOne() {
        var env = EnvironmentProvider.byName("shop", null);
        assertThat(env.user(ScriptedModel.of(ScriptedModel.turn("hi")))).isInstanceOf(LlmUser.class);
        assertThat(env.userSimulator()).isEqualTo("apprentice-llm-user");
    }
}
