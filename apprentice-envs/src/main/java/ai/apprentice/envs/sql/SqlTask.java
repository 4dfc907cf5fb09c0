package ai.apprentice.envs.sql;

/** A question over one generated database, with the query that answers it and whether row order matters. */
public record SqlTask(String schema, String question, String goldSql, boolean ordered) {}
