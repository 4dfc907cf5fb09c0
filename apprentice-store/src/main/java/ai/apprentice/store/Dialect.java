package ai.apprentice.store;

import java.sql.SQLException;

/**
 * The SQL that differs between the two databases the stores run on; everything else is shared. SQLite is the
 * embedded default; PostgreSQL is for several processes or machines writing the same stores (decision 0018).
 */
public enum Dialect {
    SQLITE,
    POSTGRESQL;

    /** A condition that {@code column} contains the next parameter's text (case-sensitive, no wildcards). */
    public String contains(String column) {
        return this == SQLITE ? "instr(" + column + ", ?) > 0" : "strpos(" + column + ", ?) > 0";
    }

    /**
     * SQLite's {@code INDEXED BY}, for queries its planner would walk the wrong index for without statistics;
     * PostgreSQL plans from its own statistics and has no such clause.
     */
    public String indexedBy(String index) {
        return this == SQLITE ? " INDEXED BY " + index : "";
    }

    /** Whether {@code e} says that a row with that key is already there. */
    public boolean isUniqueViolation(SQLException e) {
        return this == SQLITE ? (e.getErrorCode() & 0xff) == 19 : "23505".equals(e.getSQLState());
    }

    /** Whether the transaction lost a deadlock or a serialization check and may simply be run again. */
    public boolean isRetryable(SQLException e) {
        return this == POSTGRESQL && ("40P01".equals(e.getSQLState()) || "40001".equals(e.getSQLState()));
    }
}
