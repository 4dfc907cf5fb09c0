package ai.apprentice.envs;

import ai.apprentice.model.ChatRequest;
import ai.apprentice.model.Message;
import ai.apprentice.model.Model;
import ai.apprentice.model.ModelListener;
import java.util.ArrayList;
import java.util.List;

/**
 * A user played by a language model, following tau-bench's convention: it gets the task's instruction as
 * its persona and goal, speaks one message at a time, and writes "###STOP###" when its goal is met or
 * cannot be met. From the model's side, the agent is the "user" of the conversation. The wording is ours: it is
 * the default {@link Environment#user}; tau-bench plays its own reference user instead.
 */
public final class LlmUser implements UserSimulator {
    private final Model model;
    private final List<Message> history = new ArrayList<>();

    public LlmUser(Model model) {
        this.model = model;
    }

    static String system(String instruction) {
        return "You play a customer talking to a customer-service agent. Your goal and persona:\n\n" + instruction
                + "\n\nRules: write one short message at a time, as the customer would. Do not invent information "
                + "your goal does not give; say you do not know. Give details only when asked. When your goal is met, "
                + "or the agent cannot meet it, end with the line " + STOP + ".";
    }

    @Override
    public String start(String instruction) throws InterruptedException {
        history.add(Message.system(system(instruction)));
        history.add(Message.user("Hi! How can I help you today?"));
        return say();
    }

    @Override
    public String reply(String agentMessage) throws InterruptedException {
        history.add(Message.user(agentMessage));
        return say();
    }

    private String say() throws InterruptedException {
        var response = model.chat(ChatRequest.of(history, List.of()), ModelListener.NONE);
        var text = response.message().text();
        history.add(Message.assistant(text));
        return text;
    }
}
