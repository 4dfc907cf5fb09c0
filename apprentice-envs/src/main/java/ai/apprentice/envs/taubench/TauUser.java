package ai.apprentice.envs.taubench;

import ai.apprentice.envs.UserSimulator;
import ai.apprentice.model.ChatRequest;
import ai.apprentice.model.Message;
import ai.apprentice.model.Model;
import ai.apprentice.model.ModelListener;
import java.util.ArrayList;
import java.util.List;

/**
 * tau-bench's reference simulated user (strategy {@code llm}), so that scores compare with published ones:
 * its system prompt is the reference's template, the conversation opens with the agent's greeting as a
 * user-role message, the agent's messages are user-role and this user's replies assistant-role, and no
 * temperature is sent (the provider's default applies, as in the reference).
 */
public final class TauUser implements UserSimulator {
    static final String GREETING = "Hi! How can I help you today?";

    private final Model model;
    private final String template;
    private final List<Message> history = new ArrayList<>();

    /** {@code template} as {@link UserTemplate#read} gives it. */
    public TauUser(Model model, String template) {
        this.model = model;
        this.template = template;
    }

    @Override
    public String start(String instruction) throws InterruptedException {
        history.clear();
        history.add(Message.system(UserTemplate.render(template, instruction)));
        history.add(Message.user(GREETING));
        return say();
    }

    @Override
    public String reply(String agentMessage) throws InterruptedException {
        history.add(Message.user(agentMessage == null ? "" : agentMessage));
        return say();
    }

    private String say() throws InterruptedException {
        var text = model.chat(ChatRequest.of(history, List.of()), ModelListener.NONE).message().text();
        history.add(Message.assistant(text));
        return text;
    }
}
