package ai.apprentice.learn.sim;

import ai.apprentice.json.Json;
import ai.apprentice.model.ChatRequest;
import ai.apprentice.model.ChatResponse;
import ai.apprentice.model.Message;
import ai.apprentice.model.Model;
import ai.apprentice.model.ModelListener;
import ai.apprentice.model.Role;
import ai.apprentice.model.Usage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;

/**
 * The reflector's model in a simulation, played through {@link ai.apprentice.learn.ModelReflector} so that the real
 * prompt and the real parsing are used. It reads the prompt's {@code task T reward R} lines and the current lessons,
 * and from each batch with failures proposes one lesson: with probability 0.3 a true lesson of the {@link SimWorld}
 * that applies to a failed task and is not in the playbook yet, else a useless or a harmful one (half and half). A
 * batch without failures gets no candidate. Replies are a JSON object in a fenced block with a line of prose before
 * it, as models write them; {@link #garbage()} makes one that replies with no JSON at all.
 */
public final class ScriptedReflectorModel implements Model {
    public static final double TRUE_SHARE = 0.3;

    private static final Pattern TASK = Pattern.compile("task (.+) reward (\\S+)");
    private static final Pattern HEADER = Pattern.compile("### Trajectory \\d+ \\(run (.+)\\)");

    /** What it proposed for one batch: {@code true}, {@code useless}, {@code harmful} or {@code none}. */
    public record Pick(String kind, String text, String task) {}

    private final SimWorld world;
    private final Random random;
    private final boolean garbage;
    private boolean skills;
    private final List<Pick> picks = new ArrayList<>();
    private int useless;

    public ScriptedReflectorModel(SimWorld world, long seed) {
        this(world, seed, false);
    }

    private ScriptedReflectorModel(SimWorld world, long seed, boolean garbage) {
        this.world = world;
        this.random = new Random(seed);
        this.garbage = garbage;
    }

    /**
     * Half of its proposals become skills instead of lessons: the same text as the skill's description (the skills
     * index in the agent's instructions shows it), so a skill is as true, useless or harmful as its lesson would be.
     */
    public ScriptedReflectorModel proposingSkills() {
        this.skills = true;
        return this;
    }

    /** A reflector model whose replies are prose without the JSON asked for. */
    public static ScriptedReflectorModel garbage(SimWorld world) {
        return new ScriptedReflectorModel(world, 0, true);
    }

    @Override
    public String id() {
        return "simulated:reflector";
    }

    public synchronized List<Pick> picks() {
        return List.copyOf(picks);
    }

    @Override
    public synchronized ChatResponse chat(ChatRequest request, ModelListener listener) {
        String prompt = request.messages().stream().filter(m -> m.role() == Role.USER).map(Message::text).findFirst().orElse("");
        String text = garbage ? "Looking at these runs, I think the agent should simply try harder and be more careful next time."
                : reply(prompt);
        long in = request.messages().stream().mapToLong(m -> m.text().length()).sum() / 4;
        return new ChatResponse(Message.assistant(text), new Usage(Math.max(1, in), Math.max(1, text.length() / 4)), "stop");
    }

    private String reply(String prompt) {
        // The failed tasks, with the run each came from.
        var failed = new LinkedHashMap<String, String>();
        String run = null;
        for (var line : prompt.split("\n")) {
            var h = HEADER.matcher(line);
            if (h.matches()) run = h.group(1);
            var t = TASK.matcher(line);
            if (t.matches() && Double.parseDouble(t.group(2)) < 1.0 - 1e-9) failed.putIfAbsent(t.group(1), run);
        }
        var answer = Json.object();
        var candidates = answer.putArray("candidates");
        if (failed.isEmpty()) {
            picks.add(new Pick("none", null, null));
            return "Every run succeeded; nothing to learn.\n\n```json\n" + answer.toPrettyString() + "\n```";
        }
        String lessons = currentLessons(prompt);
        var tasks = new ArrayList<>(failed.keySet());
        String task = tasks.get(random.nextInt(tasks.size()));
        double u = random.nextDouble();
        Pick pick = null;
        if (u < TRUE_SHARE) {
            // A true lesson for the failed task, or for another failed task when that one's are all known already.
            var order = new ArrayList<String>();
            order.add(task);
            tasks.stream().filter(t -> !t.equals(task)).forEach(order::add);
            for (var t : order) {
                var fresh = world.trueFor(t).stream().filter(l -> !lessons.contains(l.text())).toList();
                if (!fresh.isEmpty()) {
                    pick = new Pick("true", fresh.get(random.nextInt(fresh.size())).text(), t);
                    break;
                }
            }
        } else if (u >= TRUE_SHARE + (1 - TRUE_SHARE) / 2) {
            var fresh = world.harmfulLessons().stream().filter(l -> !lessons.contains(l.text())).toList();
            if (!fresh.isEmpty()) pick = new Pick("harmful", fresh.get(random.nextInt(fresh.size())).text(), task);
        }
        if (pick == null) pick = new Pick("useless", SimWorld.useless(++useless), task);
        picks.add(pick);
        var c = candidates.addObject();
        if (skills && random.nextBoolean()) {
            c.putObject("skill").put("name", "learned-" + Integer.toHexString(pick.text().hashCode() & 0xfffffff)).put("description", pick.text())
                    .put("body", "Follow the description on every task it fits.");
        } else {
            c.putArray("edits").addObject().put("op", "add").put("text", pick.text());
        }
        c.put("rationale", "the agent failed " + pick.task() + "; this should help on tasks like it");
        if (failed.get(pick.task()) != null) c.putArray("from_runs").add(failed.get(pick.task()));
        answer.putArray("tags");
        return "Here is what I learned from the failures.\n\n```json\n" + answer.toPrettyString() + "\n```\n";
    }

    /** The "Current lessons" section of the prompt. */
    private static String currentLessons(String prompt) {
        int start = prompt.indexOf("## Current lessons");
        if (start < 0) return "";
        int end = prompt.indexOf("\n## ", start + 1);
        return prompt.substring(start, end < 0 ? prompt.length() : end);
    }
}
