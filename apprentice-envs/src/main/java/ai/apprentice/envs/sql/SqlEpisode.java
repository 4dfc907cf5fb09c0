package ai.apprentice.envs.sql;

import ai.apprentice.envs.Episode;
import ai.apprentice.json.Json;
import ai.apprentice.tool.Tool;
import ai.apprentice.tool.ToolResult;
import ai.apprentice.tool.Tools;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.sqlite.SQLiteConfig;

/** One sql question: schema tools, read-only queries with a timeout, one submission, result-set reward. */
final class SqlEpisode implements Episode {
    static final int MAX_ACTIONS = 15;
    static final int QUERY_TIMEOUT_SECONDS = 5;
    static final int SHOWN_ROWS = 50;

    private final String taskId;
    private final SqlTask task;
    private final Path db;
    private int actions;
    private boolean done;
    private String submitted;

    SqlEpisode(String taskId, SqlTask task, Path db) {
        this.taskId = taskId;
        this.task = task;
        this.db = db;
    }

    @Override public String taskId() { return taskId; }
    @Override public String policy() {
        return "You answer questions about a SQLite database. Inspect it with list_tables and describe_table, try queries "
                + "with run_query, then call submit_query with the one query whose result answers the question.";
    }
    @Override public synchronized boolean done() { return done; }
    @Override public synchronized int actions() { return actions; }
    @Override public int maxActions() { return MAX_ACTIONS; }
    @Override public List<JsonNode> goldActions() {
        return List.of(Json.object().put("name", "submit_query").set("kwargs", Json.object().put("sql", task.goldSql())));
    }
    @Override public List<String> goldOutputs() { return List.of(); }

    @Override
    public String firstUserMessage() {
        return task.question() + "\nAnswer by calling submit_query with one SQL query whose result answers the question.";
    }

    @Override
    public synchronized String reply(String agentMessage) {
        count();
        done = true; // one question, one answer
        return ai.apprentice.envs.UserSimulator.STOP;
    }

    private void count() {
        if (++actions >= MAX_ACTIONS) done = true;
    }

    private Connection readOnly() throws SQLException {
        var config = new SQLiteConfig();
        config.setReadOnly(true);
        return config.createConnection("jdbc:sqlite:" + db);
    }

    @Override
    public List<Tool> tools() {
        return List.of(
                Tools.builder("list_tables").description("List the tables of the database.").execute((a, c) -> step(() -> {
                    var rows = query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name");
                    var names = new ArrayList<String>();
                    rows.forEach(r -> names.add(String.valueOf(r.getFirst())));
                    return String.join("\n", names);
                })),
                Tools.builder("describe_table").description("Show a table's columns with their types, and its first 3 rows.")
                        .param("table", "string", "table name").execute((a, c) -> step(() -> {
                            String table = a.get("table").asText();
                            if (!table.matches("[A-Za-z_][A-Za-z0-9_]*")) throw new SQLException("not a table name: " + table);
                            var cols = query("SELECT name, type FROM pragma_table_info('" + table + "')");
                            if (cols.isEmpty()) throw new SQLException("no table named " + table + "; see list_tables");
                            var sb = new StringBuilder();
                            cols.forEach(r -> sb.append(r.get(0)).append(' ').append(r.get(1)).append('\n'));
                            sb.append("first rows:\n").append(render(query("SELECT * FROM " + table + " LIMIT 3")));
                            return sb.toString();
                        })),
                Tools.builder("run_query").description("Run a read-only SQL query and see up to " + SHOWN_ROWS + " rows.")
                        .param("sql", "string", "one SELECT statement").execute((a, c) -> step(() -> render(query(a.get("sql").asText())))),
                Tools.builder("submit_query").description("Submit the query whose result answers the question. Ends the task.")
                        .param("sql", "string", "one SELECT statement").execute((a, c) -> step(() -> {
                            query(a.get("sql").asText()); // it must run
                            synchronized (this) {
                                submitted = a.get("sql").asText();
                                done = true;
                            }
                            return "Submitted.";
                        })));
    }

    private interface Work {
        String run() throws SQLException;
    }

    private ToolResult step(Work work) {
        synchronized (this) {
            if (done) return ToolResult.error("The task is over.");
            count();
        }
        try {
            return ToolResult.ok(work.run());
        } catch (SQLException e) {
            String msg = e.getMessage() == null ? "query failed" : e.getMessage();
            if (msg.contains("interrupted")) msg = "the query took longer than " + QUERY_TIMEOUT_SECONDS + " s and was stopped";
            return ToolResult.error("SQL error: " + msg);
        }
    }

    /** Rows as lists of values (Long, Double, String or null). */
    List<List<Object>> query(String sql) throws SQLException {
        try (var c = readOnly(); var st = c.createStatement()) {
            // sqlite's own timeout does not stop a runaway query; cancel() (sqlite3_interrupt) does.
            var watchdog = WATCHDOG.schedule(() -> {
                try {
                    st.cancel();
                } catch (SQLException ignored) {
                    // the statement finished meanwhile
                }
            }, QUERY_TIMEOUT_SECONDS, java.util.concurrent.TimeUnit.SECONDS);
            try (ResultSet rs = st.executeQuery(sql)) {
                int n = rs.getMetaData().getColumnCount();
                var rows = new ArrayList<List<Object>>();
                while (rs.next()) {
                    var row = new ArrayList<Object>(n);
                    for (int i = 1; i <= n; i++) {
                        Object v = rs.getObject(i);
                        row.add(v instanceof Integer x ? (Object) x.longValue() : v instanceof Float f ? (Object) f.doubleValue() : v);
                    }
                    rows.add(row);
                    if (rows.size() > 100_000) throw new SQLException("the result has more than 100,000 rows");
                }
                return rows;
            } finally {
                watchdog.cancel(false);
            }
        }
    }

    private static final java.util.concurrent.ScheduledExecutorService WATCHDOG =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                var t = new Thread(r, "sql-query-watchdog");
                t.setDaemon(true);
                return t;
            });

    private static String render(List<List<Object>> rows) {
        if (rows.isEmpty()) return "(no rows)";
        var sb = new StringBuilder();
        for (int i = 0; i < Math.min(rows.size(), SHOWN_ROWS); i++) {
            sb.append(String.join(" | ", rows.get(i).stream().map(String::valueOf).toList())).append('\n');
        }
        if (rows.size() > SHOWN_ROWS) sb.append("(").append(rows.size() - SHOWN_ROWS).append(" more rows)\n");
        return sb.toString();
    }

    @Override
    public synchronized Reward reward() {
        if (submitted == null) return new Reward(0, actions >= MAX_ACTIONS ? "no query was submitted within " + MAX_ACTIONS + " actions" : "no query was submitted");
        try {
            var want = query(task.goldSql());
            var got = query(submitted);
            if (want.size() != got.size()) return new Reward(0, "expected " + want.size() + " rows, the submitted query gave " + got.size());
            if (!want.isEmpty() && want.getFirst().size() != got.getFirst().size()) {
                return new Reward(0, "expected " + want.getFirst().size() + " columns, got " + got.getFirst().size());
            }
            var a = normalize(want);
            var b = normalize(got);
            if (!task.ordered()) {
                a.sort(null);
                b.sort(null);
            }
            for (int i = 0; i < a.size(); i++) {
                if (!a.get(i).equals(b.get(i))) {
                    return new Reward(0, (task.ordered() ? "row " + (i + 1) + " differs" : "the rows differ") + ": expected " + a.get(i) + ", got " + b.get(i));
                }
            }
            return new Reward(1, "the result set equals the gold result" + (task.ordered() ? ", in order" : ""));
        } catch (SQLException e) {
            return new Reward(0, "the submitted query fails now: " + e.getMessage());
        }
    }

    /** Rows as comparable strings; numbers compared by value, rounded to 6 decimals. */
    private static List<String> normalize(List<List<Object>> rows) {
        var out = new ArrayList<String>();
        for (var r : rows) {
            var cells = new ArrayList<String>();
            for (var v : r) {
                cells.add(v instanceof Number n ? new java.math.BigDecimal(n.doubleValue()).setScale(6, java.math.RoundingMode.HALF_EVEN).stripTrailingZeros().toPlainString()
                        : Objects.toString(v));
            }
            out.add(String.join("\u0000", cells));
        }
        return out;
    }
}
