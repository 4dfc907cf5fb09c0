package ai.apprentice.envs.taubench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.apprentice.envs.EnvironmentProvider;
import ai.apprentice.envs.UserSimulator;
import ai.apprentice.model.ChatRequest;
import ai.apprentice.model.ChatResponse;
import ai.apprentice.model.Message;
import ai.apprentice.model.Model;
import ai.apprentice.model.ModelListener;
import ai.apprentice.model.Role;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reference user sends exactly the reference's messages, with the template read from the data folder. */
class TauUserTest {
    @TempDir Path dir;

    /** Answers from a script and keeps every request it was sent. */
    static final class Capturing implements Model {
        final List<ChatRequest> requests = new ArrayList<>();
        final ArrayDeque<String> answers;

        Capturing(String... answers) {
            this.answers = new ArrayDeque<>(List.of(answers));
        }

        @Override public String id() { return "test:capturing"; }

        @Override
        public ChatResponse chat(ChatRequest request, ModelListener listener) {
            requests.add(request);
            return new ChatResponse(Message.assistant(answers.poll()), null, "stop");
        }
    }

    static List<String> roles(ChatRequest r) {
        return r.messages().stream().map(m -> m.role().name()).toList();
    }

    @Test
    void sendsTheReferenceMessagesWithTheSharedTemplate() throws Exception {
        var shared = SharedData.taubench();
        var template = UserTemplate.read(shared.resolve(UserTemplate.FILE));
        assertThat(template).startsWith("You are a user interacting with an agent.{instruction_display}\nRules:\n")
                .contains("'###STOP###'").doesNotEndWith("\n");

        var model = new Capturing("Hi, I want to return a lamp.", "It is order #W1. ###STOP###");
        var env = EnvironmentProvider.byName("taubench-retail", shared);
        var user = env.user(model);
        assertThat(user).isInstanceOf(TauUser.class);
        assertThat(env.userSimulator()).startsWith("tau-bench-reference (").endsWith(UserTemplate.FILE + ")");

        assertThat(user.start("Return the lamp.")).isEqualTo("Hi, I want to return a lamp.");
        var first = model.requests.getFirst();
        assertThat(first.messages()).containsExactly(
                Message.system(template.replace("{instruction_display}", "\n\nInstruction: Return the lamp.\n")),
                Message.user("Hi! How can I help you today?"));
        assertThat(first.temperature()).isNull();
        assertThat(first.tools()).isEmpty();

        assertThat(user.reply("Which order?")).contains(UserSimulator.STOP);
        var second = model.requests.get(1);
        assertThat(roles(second)).containsExactly("SYSTEM", "USER", "ASSISTANT", "USER");
        assertThat(second.messages().subList(2, 4)).containsExactly(
                Message.assistant("Hi, I want to return a lamp."), Message.user("Which order?"));
        assertThat(second.temperature()).isNull();
    }

    @Test
    void noInstructionShowsNothing() throws Exception {
        var model = new Capturing("hello");
        new TauUser(model, "A.{instruction_display}\nB").start(null);
        assertThat(model.requests.getFirst().messages().getFirst()).isEqualTo(Message.system("A.\nB"));
        assertThat(model.requests.getFirst().messages().getFirst().role()).isEqualTo(Role.SYSTEM);
    }

    @Test
    void aMissingOrMalformedTemplateSaysWhatToDo() throws Exception {
        var shared = SharedData.taubench();
        // A data folder with everything but user_simulator.md: creating works, making a user says what to do.
        var data = dir.resolve("data");
        for (var sub : List.of("retail", "tasks")) {
            try (var files = Files.list(shared.resolve(sub))) {
                Files.createDirectories(data.resolve(sub));
                for (var f : files.toList()) Files.copy(f, data.resolve(sub).resolve(f.getFileName()));
            }
        }
        var env = EnvironmentProvider.byName("taubench-retail", data);
        assertThatThrownBy(() -> env.user(new Capturing()))
                .hasMessageContaining(data.resolve(UserTemplate.FILE).toString())
                .hasMessageContaining("apprentice env install taubench").hasMessageContaining("--data DIR");

        var bad = dir.resolve(UserTemplate.FILE);
        Files.writeString(bad, "# no markers here\n");
        assertThatThrownBy(() -> UserTemplate.read(bad)).hasMessageContaining(bad.toString()).hasMessageContaining("---8<---");
    }

    /** The same structure as the upstream file, not its text: two classes, each with its own prompt. */
    static final String USER_PY = """
            class LLMUserSimulationEnv(BaseUserSimulationEnv):
                def build_system_prompt(self, instruction: Optional[str]) -> str:
                    instruction_display = (
                        ("\\n\\nInstruction: " + instruction + "\\n")
                        if instruction is not None
                        else ""
                    )
                    return f\"""Play a customer.{instruction_display}
            Rules:
            - One line at a time; {{braces}} stay.
            - Say '###STOP###' when done.\"""

                def reset(self, instruction: Optional[str] = None) -> str:
                    return ""


            class ReactUserSimulationEnv(LLMUserSimulationEnv):
                def build_system_prompt(self, instruction: Optional[str]) -> str:
                    return f\"""Not this one.{instruction_display}\"""
            """;

    @Test
    void extractsTheTemplateFromThePythonSource() {
        var template = UserTemplate.fromPython(USER_PY);
        assertThat(template).isEqualTo("Play a customer.{instruction_display}\nRules:\n- One line at a time; {braces} stay.\n"
                + "- Say '###STOP###' when done.");
        // What the installer writes reads back as the same template.
        assertThat(UserTemplate.parse(UserTemplate.markdown(template, "a test"), "test")).isEqualTo(template);

        assertThatThrownBy(() -> UserTemplate.fromPython("class Other:\n    pass\n")).hasMessageContaining("build_system_prompt");
        assertThatThrownBy(() -> UserTemplate.fromPython(USER_PY.replace("{instruction_display}\nRules", "{name}\nRules")))
                .hasMessageContaining("replacement field");
    }
}
