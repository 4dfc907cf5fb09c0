package ai.apprentice.envs.shop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.apprentice.envs.EnvironmentProvider;
import ai.apprentice.eval.EvalRunner;
import ai.apprentice.eval.GoldPolicy;
import ai.apprentice.eval.RandomPolicy;
import ai.apprentice.eval.TrialResult;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(120)
class ShopEnvironmentTest {
    private final ShopEnvironment env = new ShopEnvironment();

    private static String act(ShopEpisode e, String action) {
        return e.act(action).content();
    }

    @Test
    void goldScoresOneEverywhereAndRandomStaysLow() throws Exception {
        var all = IntStream.range(0, env.size("test")).boxed().toList();
        var gold = new EvalRunner(env, "test", new GoldPolicy(), null, null).run(all, 1, 2, 1, null);
        assertThat(gold).filteredOn(r -> !r.success()).extracting(r -> r.taskId() + ": " + r.explanation()).isEmpty();
        var random = new EvalRunner(env, "test", new RandomPolicy(), null, null).run(all, 1, 2, 1, null);
        double mean = random.stream().mapToDouble(TrialResult::reward).average().orElseThrow();
        double successRate = random.stream().filter(TrialResult::success).count() / (double) random.size();
        // Partial credit lets a random purchase of the searched type earn something, as in WebShop; full success is rare.
        assertThat(mean).isLessThan(0.6);
        assertThat(successRate).isLessThan(0.1);
        assertThat(random).anyMatch(r -> r.explanation().startsWith("bought")); // random does reach a purchase
        assertThat(EnvironmentProvider.byName("shop", null).name()).isEqualTo("shop");
    }

    @Test
    void theCatalogueIsLargeVariedAndTheSameForASeed() {
        var products = env.catalogue().products();
        assertThat(products).hasSizeGreaterThanOrEqualTo(5000);
        assertThat(products.stream().map(Catalogue.Product::category).distinct()).hasSize(Catalogue.KINDS.size());
        assertThat(products.stream().map(Catalogue.Product::id).distinct()).hasSize(products.size());
        assertThat(products).allSatisfy(p -> {
            assertThat(p.attributes()).hasSizeBetween(3, 5);
            assertThat(p.options()).hasSize(2).allSatisfy((dim, values) -> assertThat(values).hasSizeGreaterThanOrEqualTo(2));
            assertThat(p.price()).isPositive();
        });
        var again = Catalogue.generate(ShopEnvironment.CATALOGUE_SEED, ShopEnvironment.CATALOGUE_SIZE);
        assertThat(again.products()).isEqualTo(products);
        assertThat(Catalogue.generate(7, 100).products()).isNotEqualTo(again.products().subList(0, 100));
    }

    @Test
    void aSeedGivesTheSameTasksAndTheSameTranscript() {
        for (int i = 0; i < 20; i++) assertThat(env.task("train", i)).isEqualTo(new ShopEnvironment().task("train", i));
        assertThat(IntStream.range(0, 20).mapToObj(i -> env.task("train", i).instruction()))
                .isNotEqualTo(IntStream.range(0, 20).mapToObj(i -> env.task("test", i).instruction()).toList());
        assertThat(transcript()).isEqualTo(transcript());
    }

    private List<String> transcript() {
        var e = (ShopEpisode) env.start("dev", 5, 0, null);
        var out = new ArrayList<String>();
        out.add(e.firstUserMessage());
        for (var a : List.of("search[lightweight backpack]", "click[Next >]", "click[Back to Search]", "search[organic coffee vanilla]")) out.add(act(e, a));
        String firstId = out.getLast().lines().filter(l -> l.startsWith("[B0")).findFirst().orElseThrow().substring(1, 11);
        out.add(act(e, "click[" + firstId + "]"));
        out.add(act(e, "buy"));
        out.add(e.reward().toString());
        return out;
    }

    @Test
    void searchIsRealBm25WithStemming() {
        var e = (ShopEpisode) env.start("test", 0, 0, null);
        String page = act(e, "search[waterproof hiking boots]");
        var ids = page.lines().filter(l -> l.startsWith("[B0")).map(l -> l.substring(1, 11)).toList();
        assertThat(ids).hasSize(ShopEpisode.PAGE_SIZE);
        // The top hits are hiking boots ("boots" stems to "boot") that are waterproof.
        for (var id : ids.subList(0, 5)) {
            var p = env.catalogue().byId(id);
            assertThat(p.type()).isEqualTo("hiking boot");
            assertThat(p.attributes()).contains("waterproof");
        }
        assertThat(page).contains("of 50").contains("[Next >]");
        assertThat(act(e, "search[zzzz qqqq]")).contains("No results for \"zzzz qqqq\"");
    }

    @Test
    void partialCreditFollowsTheFormula() throws Exception {
        var task = env.task("test", 11);
        var target = env.catalogue().byId(task.targetId());
        var e = (ShopEpisode) env.start("test", 11, 0, null);
        var gold = e.goldActions().stream().map(a -> a.at("/kwargs/action").asText()).toList();
        // Replay the gold route but skip the first option click: one requirement of |attrs| + |options| + 1 is missed.
        String skipped = "click[" + task.options().values().iterator().next() + "]";
        for (var a : gold) if (!a.equals(skipped)) act(e, a);
        int total = task.attributes().size() + task.options().size() + 1;
        var reward = e.reward();
        assertThat(reward.value()).isCloseTo((total - 1) / (double) total, within(1e-9));
        assertThat(reward.explanation()).contains("none selected").contains(target.id()).contains((total - 1) + " of " + total);

        // A product of another category, within the price: 0.1 x (its matching attributes + the price) / total.
        var other = env.catalogue().products().stream()
                .filter(p -> !p.category().equals(task.category()) && p.price() <= task.priceCeiling()).findFirst().orElseThrow();
        long shared = task.attributes().stream().filter(other.attributes()::contains).count();
        var wrong = ShopReward.score(task, other, java.util.Map.of());
        assertThat(wrong.value()).isCloseTo(0.1 * (shared + 1) / total, within(1e-9));
        assertThat(wrong.explanation()).contains("x0.1");
    }

    @Test
    void badActionsGetHintsAndTheActionLimitEndsTheTrip() {
        var e = (ShopEpisode) env.start("test", 3, 0, null);
        var unreadable = e.act("dance wildly");
        assertThat(unreadable.error()).isTrue();
        assertThat(unreadable.content()).contains("Write search[query], click[item or option] or buy");
        assertThat(e.act("x".repeat(100_000)).content()).contains("...").hasSizeLessThan(1000);
        assertThat(act(e, "click[B0XXXX]")).contains("search page");
        assertThat(act(e, "buy")).contains("nothing to buy");
        assertThat(act(e, "search[]")).contains("The search is empty");
        act(e, "SEARCH[ running shoe ]");
        var missing = e.act("click[no such thing]");
        assertThat(missing.error()).isTrue();
        assertThat(missing.content()).contains("There is no [no such thing]").contains("Back to Search").contains("B0");
        assertThat(e.actions()).isEqualTo(7);
        var seen = new HashSet<String>();
        while (!e.done()) seen.add(e.act("click[Next >]").content());
        assertThat(e.actions()).isEqualTo(ShopEpisode.MAX_ACTIONS);
        assertThat(seen).anyMatch(s -> s.contains("nothing was bought"));
        assertThat(e.act("buy").content()).isEqualTo("The episode is over.");
        assertThat(e.reward().explanation()).isEqualTo("nothing was bought within " + ShopEpisode.MAX_ACTIONS + " actions");
    }
}
