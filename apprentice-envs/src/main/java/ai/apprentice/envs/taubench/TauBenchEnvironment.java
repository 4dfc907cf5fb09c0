package ai.apprentice.envs.taubench;

import ai.apprentice.envs.Environment;
import ai.apprentice.envs.EnvironmentProvider;
import ai.apprentice.envs.Episode;
import ai.apprentice.envs.UserSimulator;
import ai.apprentice.model.Model;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** tau-bench's retail and airline domains (taubench-retail, taubench-airline), on the public data in a directory. */
public final class TauBenchEnvironment implements Environment {
    private final TauData.Domain domain;
    private final Path dataDir;
    private final ObjectNode start;
    private final String policy;
    private final Map<String, JsonNode> tasks = new ConcurrentHashMap<>();
    private final Map<String, String> goldHashes = new ConcurrentHashMap<>();
    private volatile String userTemplate;

    public TauBenchEnvironment(TauData.Domain domain, Path dataDir) {
        this.domain = domain;
        this.dataDir = dataDir;
        this.start = TauData.load(dataDir, domain);
        try {
            this.policy = Files.readString(dataDir.resolve(domain.dir).resolve("wiki.md"));
        } catch (IOException e) {
            throw new IllegalArgumentException("Cannot read the " + domain.dir + " policy " + dataDir.resolve(domain.dir + "/wiki.md")
                    + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String name() {
        return "taubench-" + domain.dir;
    }

    @Override
    public String description() {
        return "tau-bench " + domain.dir + ": customer service with tools, a simulated user and a database-state reward";
    }

    @Override
    public List<String> splits() {
        return domain == TauData.Domain.RETAIL ? List.of("test", "train", "dev") : List.of("test");
    }

    private JsonNode tasks(String split) {
        if (!splits().contains(split)) throw new IllegalArgumentException(name() + " has no split '" + split + "'; it has " + splits());
        return tasks.computeIfAbsent(split, s -> TauData.tasks(dataDir, domain, s));
    }

    @Override
    public int size(String split) {
        return tasks(split).size();
    }

    @Override
    public Episode start(String split, int index, long seed, UserSimulator user) {
        var all = tasks(split);
        if (index < 0 || index >= all.size()) {
            throw new IllegalArgumentException(name() + " " + split + " has tasks 0-" + (all.size() - 1) + ", not " + index);
        }
        var task = all.get(index);
        var tools = domain == TauData.Domain.RETAIL ? TauTools.retail() : TauTools.airline();
        var id = taskId(split, index);
        String gold = goldHashes.computeIfAbsent(id, k -> TauReward.goldHash(start, tools, task));
        return new TauEpisode(id, task, policy, start.deepCopy(), gold, () -> TauReward.goldDb(start, tools, task), tools, user);
    }

    /** The reference's user, so that scores compare with published tau-bench results. */
    @Override
    public UserSimulator user(Model userModel) {
        return new TauUser(userModel, userTemplate());
    }

    @Override
    public String userSimulator() {
        return "tau-bench-reference (" + dataDir.resolve(UserTemplate.FILE) + ")";
    }

    /** Read on first use, not at creation: evaluations that need no user (gold, random) work on older installs. */
    private String userTemplate() {
        var t = userTemplate;
        if (t == null) userTemplate = t = UserTemplate.read(dataDir.resolve(UserTemplate.FILE));
        return t;
    }

    /** Registers the two domains for discovery by name. */
    public static final class Provider implements EnvironmentProvider {
        @Override
        public List<String> names() {
            return List.of("taubench-retail", "taubench-airline");
        }

        @Override
        public Environment create(String name, Path dataDir) {
            if (dataDir == null) throw new IllegalArgumentException(name + " needs its data: pass --data DIR (the tau-bench data folder)");
            return new TauBenchEnvironment(name.equals("taubench-retail") ? TauData.Domain.RETAIL : TauData.Domain.AIRLINE, dataDir);
        }
    }
}
