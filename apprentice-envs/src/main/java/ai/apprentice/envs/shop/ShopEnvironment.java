package ai.apprentice.envs.shop;

import ai.apprentice.envs.Environment;
import ai.apprentice.envs.SeededSplits;
import ai.apprentice.envs.EnvironmentProvider;
import ai.apprentice.envs.Episode;
import ai.apprentice.envs.UserSimulator;
import java.nio.file.Path;
import java.util.List;

/**
 * A web shop in text, after WebShop: a generated catalogue of {@value #CATALOGUE_SIZE} products searched with
 * BM25, instructions that name a product type, attributes, options and a price ceiling, and a reward with
 * partial credit ({@link ShopReward}). The catalogue is one (seed {@value #CATALOGUE_SEED}); each split is a
 * seed for the instructions: test 1, train 2, dev 3.
 */
public final class ShopEnvironment implements Environment {
    static final long CATALOGUE_SEED = 2026;
    static final int CATALOGUE_SIZE = 6000;
    static final int TASKS_PER_SPLIT = 200;
    static final SeededSplits SPLITS = new SeededSplits("shop", TASKS_PER_SPLIT);

    /** Built once per process: generating the catalogue and indexing it takes about a second. */
    private static final class Shared {
        static final Catalogue CATALOGUE = Catalogue.generate(CATALOGUE_SEED, CATALOGUE_SIZE);
        static final ShopSearch SEARCH = new ShopSearch(CATALOGUE);
    }

    @Override public String name() { return "shop"; }
    @Override public String description() { return "a text web shop with " + CATALOGUE_SIZE + " generated products and BM25 search, rewarded with partial credit"; }
    @Override public List<String> splits() { return SeededSplits.NAMES; }

    @Override
    public int size(String split) {
        return SPLITS.size(split);
    }

    Catalogue catalogue() {
        return Shared.CATALOGUE;
    }

    ShopTask task(String split, int index) {
        long seed = SPLITS.seed(split, index);
        return ShopTask.draw(Shared.CATALOGUE, seed, index);
    }

    @Override
    public Episode start(String split, int index, long seed, UserSimulator user) {
        return new ShopEpisode(taskId(split, index), task(split, index), Shared.CATALOGUE, Shared.SEARCH);
    }

    public static final class Provider implements EnvironmentProvider {
        @Override public List<String> names() { return List.of("shop"); }
        @Override public Environment create(String name, Path dataDir) { return new ShopEnvironment(); }
    }
}
