package ai.apprentice.learn.sim;

import ai.apprentice.envs.Episode;
import ai.apprentice.model.ChatRequest;
import ai.apprentice.model.ChatResponse;
import ai.apprentice.model.Message;
import ai.apprentice.model.Model;
import ai.apprentice.model.ModelListener;
import ai.apprentice.model.Role;
import ai.apprentice.model.ToolCall;
import ai.apprentice.model.Usage;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

/**
 * The agent of one episode, with a behaviour fixed in advance: on its first call it reads the instructions (the
 * system message the harness built, lessons included), takes the task's success probability from the
 * {@link SimWorld}, and draws success once. A success plays the task's reference actions as native tool calls, one a
 * turn, then says the required outputs; a failure gives up at once, with no tool call. The environment scores what
 * it did, so the reward is the environment's.
 *
 * <p>The draw is seeded from the trial's seed, the task and a hash of the whole instructions: the same seed and
 * instructions give the same outcome, and any change to the instructions (even one that does not change the
 * probability) gives an independent draw.
 */
public final class SimulatedModel implements Model {
    public static final String GIVE_UP = "I could not finish this.";

    private final Episode episode;
    private final long seed;
    private final SimWorld world;
    private List<JsonNode> gold; // read on the first call that needs them
    private List<String> outputs;
    private Boolean success;
    private double probability = Double.NaN;

    public SimulatedModel(Episode episode, long seed, SimWorld world) {
        this.episode = episode;
        this.seed = seed;
        this.world = world;
    }

    @Override
    public String id() {
        return "simulated:agent";
    }

    /** Whether this episode's draw succeeded; null before the first call. */
    public synchronized Boolean success() {
        return success;
    }

    public synchronized double probability() {
        return probability;
    }

    @Override
    public synchronized ChatResponse chat(ChatRequest request, ModelListener listener) {
        if (success == null) {
            String instructions = request.messages().stream().filter(m -> m.role() == Role.SYSTEM).findFirst().map(Message::text).orElse("");
            probability = world.probability(episode.taskId(), instructions);
            success = new Random(seedOf(seed, episode.taskId(), instructions)).nextDouble() < probability;
        }
        int turn = (int) request.messages().stream().filter(m -> m.role() == Role.ASSISTANT).count();
        if (success && gold == null) {
            gold = episode.goldActions();
            outputs = episode.goldOutputs();
        }
        Message reply;
        if (!success) {
            reply = Message.assistant(GIVE_UP);
        } else if (turn < gold.size()) {
            var action = gold.get(turn);
            reply = Message.assistant("", List.of(new ToolCall("sim_" + (turn + 1), action.path("name").asText(), action.path("kwargs").toString())));
        } else if (turn == gold.size()) {
            reply = Message.assistant(outputs.isEmpty() ? "Your request is done." : "Here is what you asked for: " + String.join("; ", outputs));
        } else {
            reply = Message.assistant("Thank you, that is all from me.");
        }
        if (!reply.text().isEmpty()) listener.onTextDelta(reply.text());
        return new ChatResponse(reply, usage(request, reply), reply.hasToolCalls() ? "tool_calls" : "stop");
    }

    /** Tokens estimated at four characters each, as elsewhere, so that counts and costs are not zero. */
    private static Usage usage(ChatRequest request, Message reply) {
        long in = 0;
        for (var m : request.messages()) {
            in += m.text().length();
            for (var c : m.toolCalls()) in += c.name().length() + c.arguments().length();
        }
        long out = reply.text().length();
        for (var c : reply.toolCalls()) out += c.name().length() + c.arguments().length();
        return new Usage(Math.max(1, in / 4), Math.max(1, out / 4));
    }

    /** A well-mixed seed from the trial's seed, the task and the instructions (their SHA-256). */
    static long seedOf(long seed, String taskId, String instructions) {
        return mix(mix(seed) ^ hash(taskId) ^ mix(hash(instructions) + 0x9E3779B97F4A7C15L));
    }

    static long hash(String text) {
        try {
            var digest = java.security.MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(digest).getLong();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** SplitMix64's finaliser. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
