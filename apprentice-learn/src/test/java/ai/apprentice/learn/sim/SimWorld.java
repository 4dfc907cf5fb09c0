package ai.apprentice.learn.sim;

import ai.apprentice.envs.Environment;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * What a simulated agent's success depends on, fixed in advance for one environment: every task succeeds with a base
 * probability (0.4); a hidden set of true lessons each applies to a known subset of tasks and, when its text is in the
 * instructions, raises success there to 0.9; planted harmful lessons lower it to 0.1 where they apply (harmful wins
 * over true); any other text changes nothing.
 *
 * <p>The design (one broad true lesson for every task, two narrower ones for complementary halves, two harmful ones
 * for about a third each) follows the environments' own task features where they have them:
 * <ul>
 *   <li>textworld: halves by the goal (put an item somewhere, or reach a room holding it); harmful by difficulty
 *       (medium and hard tasks, {@code index % 3} = 1 and 2);</li>
 *   <li>shop: halves by how many attributes the instruction names (one or two); harmful by product category
 *       (clothes and shoes; audio, electronics and bags);</li>
 *   <li>sql: halves by the question (one value: how many, what total or average; or rows: list, which); harmful by
 *       database (store and school, {@code index % 3} = 0 and 1);</li>
 *   <li>any other environment: by task index (even and odd; {@code index % 3} = 0 and 1).</li>
 * </ul>
 * Predicates take a task id ({@code split/index}, with or without an {@code ENV:} prefix). Features that come from a
 * task's first user message are read once per task by starting an episode of {@code env}.
 */
public final class SimWorld {
    public static final double BASE = 0.4;
    public static final double WITH_TRUE = 0.9;
    public static final double WITH_HARMFUL = 0.1;

    /** A lesson whose effect is known: where it applies, by task id. */
    public record SimLesson(String text, Predicate<String> appliesTo) {
        public boolean in(String instructions) {
            return instructions != null && instructions.contains(text);
        }

        @Override
        public String toString() {
            return text;
        }
    }

    private static final List<String> USELESS = List.of(
            "Be thorough.", "Double-check your work before you finish.", "Take your time and think step by step.",
            "Stay calm and focused on the task.", "Read everything carefully.", "Keep your answers tidy.");

    private final String env;
    private final double base;
    private final List<SimLesson> truths;
    private final List<SimLesson> harms;

    public SimWorld(String env, double base, List<SimLesson> truths, List<SimLesson> harms) {
        this.env = env;
        this.base = base;
        this.truths = List.copyOf(truths);
        this.harms = List.copyOf(harms);
    }

    public String env() { return env; }
    public double base() { return base; }
    public List<SimLesson> trueLessons() { return truths; }
    public List<SimLesson> harmfulLessons() { return harms; }

    /** The world of {@code env}'s tasks (by its name), with base probability {@link #BASE}. */
    public static SimWorld of(Environment env) {
        return of(env, BASE);
    }

    public static SimWorld of(Environment env, double base) {
        var messages = new FirstMessages(env);
        return switch (env.name()) {
            case "textworld" -> new SimWorld("textworld", base, List.of(
                    new SimLesson("Read the goal, then plan the route before you move: work out which keys, light or food the way needs and fetch them first.", t -> true),
                    new SimLesson("When the goal is to put an item into a container, carry the item there, open the container if it is closed, then put the item in it.",
                            t -> messages.of(t).startsWith("Your goal: Put")),
                    new SimLesson("When the goal is to reach a room holding an item, take the item first and keep carrying it; never drop it on the way.",
                            t -> !messages.of(t).startsWith("Your goal: Put"))), List.of(
                    new SimLesson("Leave a dark room at once: nothing useful is ever kept in the dark.", t -> index(t) % 3 == 1),
                    new SimLesson("Walk past creatures without feeding them; they step aside if you keep trying to pass.", t -> index(t) % 3 == 2)));
            case "shop" -> new SimWorld("shop", base, List.of(
                    new SimLesson("Search with the product type and the required attributes, open the best match under the price limit, click every requested option, then buy.", t -> true),
                    new SimLesson("When the instruction names a single attribute, search for it with the product type and pick a result under the price limit that lists it.",
                            t -> attributes(messages.of(t)) == 1),
                    new SimLesson("When the instruction names two attributes, check on the product page that it has both before buying; search again rather than settle for one.",
                            t -> attributes(messages.of(t)) == 2)), List.of(
                    new SimLesson("Pick a size one step larger than the instruction asks for: the shop's clothes and shoes run small.",
                            t -> Set.of("clothing", "shoes").contains(category(messages.of(t)))),
                    new SimLesson("For electronics, audio and bags, buy the first search result without opening others: the search ranks the best match first.",
                            t -> Set.of("audio", "electronics", "bags").contains(category(messages.of(t))))));
            case "sql" -> new SimWorld("sql", base, List.of(
                    new SimLesson("Before writing the query, look at the tables with list_tables and describe_table, and use the exact table and column names you saw.", t -> true),
                    new SimLesson("When the question asks how many, a total or an average, submit one query that returns that single value (COUNT, SUM or AVG), not the rows behind it.",
                            t -> singleValue(messages.of(t))),
                    new SimLesson("When the question asks for a list or asks which ones, select only the columns it asks for, and order the rows only when it asks for an order.",
                            t -> !singleValue(messages.of(t)))), List.of(
                    new SimLesson("In the store database, compare years and ids as quoted text ('2021'): those columns are stored as strings.", t -> index(t) % 3 == 0),
                    new SimLesson("For averages in the school database, divide the sum of the scores by the number of students, not by the number of enrollments.",
                            t -> index(t) % 3 == 1)));
            default -> new SimWorld(env.name(), base, List.of(
                    new SimLesson("Restate the task in one sentence before the first action, and check the result against it before the last.", t -> true),
                    new SimLesson("Look up the records the request names before changing any of them.", t -> index(t) % 2 == 0),
                    new SimLesson("Confirm the details with the user before an action that cannot be undone.", t -> index(t) % 2 == 1)), List.of(
                    new SimLesson("Act on the first record that matches the request without asking which one the user means.", t -> index(t) % 3 == 0),
                    new SimLesson("Skip the confirmation step when the user sounds in a hurry.", t -> index(t) % 3 == 1)));
        };
    }

    /** The success probability of task {@code taskId} for an agent whose instructions are {@code instructions}. */
    public double probability(String taskId, String instructions) {
        String id = local(taskId);
        for (var h : harms) if (h.in(instructions) && h.appliesTo().test(id)) return WITH_HARMFUL;
        for (var t : truths) if (t.in(instructions) && t.appliesTo().test(id)) return WITH_TRUE;
        return base;
    }

    /** Expected pass^1 over {@code taskIds} with these instructions. */
    public double expected(Collection<String> taskIds, String instructions) {
        return taskIds.stream().mapToDouble(t -> probability(t, instructions)).average().orElse(0);
    }

    /** Expected pass^1 with every true lesson present and no harmful one: the best the playbook can do. */
    public double oracle(Collection<String> taskIds) {
        return expected(taskIds, String.join("\n", truths.stream().map(SimLesson::text).toList()));
    }

    /** The true lessons that apply to {@code taskId}. */
    public List<SimLesson> trueFor(String taskId) {
        String id = local(taskId);
        return truths.stream().filter(l -> l.appliesTo().test(id)).toList();
    }

    public boolean isTrue(String text) {
        return truths.stream().anyMatch(l -> l.text().equals(text.strip()));
    }

    public boolean isHarmful(String text) {
        return harms.stream().anyMatch(l -> l.text().equals(text.strip()));
    }

    /** A lesson that changes nothing; {@code n} makes each one different, so none is merged into another. */
    public static String useless(int n) {
        return USELESS.get(Math.floorMod(n, USELESS.size())) + " (note " + n + ")";
    }

    /** {@code split/index} from {@code ENV:split/index} or {@code split/index}. */
    String local(String taskId) {
        return taskId.startsWith(env + ":") ? taskId.substring(env.length() + 1) : taskId;
    }

    static int index(String taskId) {
        int slash = taskId.lastIndexOf('/');
        try {
            return Integer.parseInt(taskId.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a task id of the form split/index: " + taskId, e);
        }
    }

    static String split(String taskId) {
        int slash = taskId.lastIndexOf('/');
        if (slash < 0) throw new IllegalArgumentException("not a task id of the form split/index: " + taskId);
        return taskId.substring(0, slash);
    }

    private static final Pattern SHOP = Pattern.compile("Instruction: i am looking for an? (.+?) that is (.+?), with ");
    private static final Map<String, String> CATEGORIES = categories();

    private static Map<String, String> categories() {
        var m = new java.util.HashMap<String, String>();
        for (var t : List.of("shirt", "hoodie", "t-shirt", "sweater", "jacket")) m.put(t, "clothing");
        for (var t : List.of("running shoe", "sneaker", "hiking boot", "sandal", "loafer")) m.put(t, "shoes");
        for (var t : List.of("headphones", "earbuds", "bluetooth speaker", "soundbar")) m.put(t, "audio");
        for (var t : List.of("coffee", "green tea", "granola", "olive oil", "dark chocolate")) m.put(t, "grocery");
        for (var t : List.of("shampoo", "face moisturizer", "sunscreen", "lip balm", "body wash")) m.put(t, "beauty");
        for (var t : List.of("desk lamp", "throw blanket", "pillow", "wall clock", "curtain")) m.put(t, "home");
        for (var t : List.of("backpack", "duffel bag", "laptop sleeve", "tote bag", "messenger bag")) m.put(t, "bags");
        for (var t : List.of("phone case", "usb-c cable", "power bank", "wireless charger", "screen protector")) m.put(t, "electronics");
        return Map.copyOf(m);
    }

    static int attributes(String firstMessage) {
        var m = SHOP.matcher(firstMessage);
        if (!m.find()) return 0;
        return m.group(2).contains(" and ") ? 2 : 1;
    }

    static String category(String firstMessage) {
        var m = SHOP.matcher(firstMessage);
        return m.find() ? CATEGORIES.getOrDefault(m.group(1), "") : "";
    }

    static boolean singleValue(String question) {
        return question.startsWith("How many") || question.startsWith("What");
    }

    /** The first user message of each task, read once by starting an episode (none of these environments needs a user for it). */
    private static final class FirstMessages {
        private final Environment env;
        private final Map<String, String> cache = new ConcurrentHashMap<>();

        FirstMessages(Environment env) {
            this.env = env;
        }

        String of(String taskId) {
            return cache.computeIfAbsent(taskId, t -> {
                try (var episode = env.start(split(t), index(t), 0, null)) {
                    return episode.firstUserMessage();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            });
        }
    }
}
