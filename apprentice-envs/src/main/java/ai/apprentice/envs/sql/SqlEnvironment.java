package ai.apprentice.envs.sql;

import ai.apprentice.envs.Environment;
import ai.apprentice.envs.SeededSplits;
import ai.apprentice.envs.EnvironmentProvider;
import ai.apprentice.envs.Episode;
import ai.apprentice.envs.UserSimulator;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;

/**
 * Questions over generated SQLite databases (store, school, library). The agent inspects the schema, runs
 * read-only queries, and submits one query; the reward is 1 when its result set equals the gold query's
 * (order ignored unless the question asks for an order). Each split is a seed: test 1, train 2, dev 3.
 */
public final class SqlEnvironment implements Environment {
    static final int TASKS_PER_SPLIT = 60;
    static final SeededSplits SPLITS = new SeededSplits("sql", TASKS_PER_SPLIT);

    private final Path cache;

    public SqlEnvironment(Path cache) {
        this.cache = cache;
    }

    @Override public String name() { return "sql"; }
    @Override public String description() { return "text-to-SQL over generated SQLite databases, rewarded by result-set equality"; }
    @Override public List<String> splits() { return SeededSplits.NAMES; }

    @Override
    public int size(String split) {
        return SPLITS.size(split);
    }

    /** The task for an index, with its database. */
    SqlTask task(String split, int index) {
        long seed = SPLITS.seed(split, index);
        return SqlWorld.task(seed, index, sql -> firstValue(split, SqlWorld.SCHEMAS.get(index % SqlWorld.SCHEMAS.size()), sql));
    }

    Path database(String split, String schema) {
        try {
            return SqlWorld.database(cache, schema, SPLITS.seed(split));
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create the " + schema + " database in " + cache + ": " + e.getMessage(), e);
        }
    }

    private String firstValue(String split, String schema, String sql) {
        try (var c = DriverManager.getConnection("jdbc:sqlite:" + database(split, schema)); var st = c.createStatement(); var rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : "";
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public Episode start(String split, int index, long seed, UserSimulator user) {
        var task = task(split, index);
        return new SqlEpisode(taskId(split, index), task, database(split, task.schema()));
    }

    public static final class Provider implements EnvironmentProvider {
        @Override
        public List<String> names() {
            return List.of("sql");
        }

        @Override
        public Environment create(String name, Path dataDir) {
            var cache = dataDir != null && java.nio.file.Files.isDirectory(dataDir) && !java.nio.file.Files.exists(dataDir.resolve("retail"))
                    ? dataDir.resolve("sql") : Path.of(System.getProperty("java.io.tmpdir"), "apprentice-sql-" + System.getProperty("user.name")); // per user: /tmp is shared
            return new SqlEnvironment(cache);
        }
    }
}
