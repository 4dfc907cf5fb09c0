package ai.apprentice.learn;

import ai.apprentice.memory.playbook.Playbook;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * What a reflector's reply and a candidates file have in common: a candidate's edits as JSON
 * ({@code [{"op": "add", "text": ...}, {"op": "modify", "id": ..., "text": ...}, {"op": "delete", "id": ...}]}),
 * checked into playbook deltas, and the ids of candidates.
 */
final class Edits {
    private Edits() {}

    /** How strict the check is: which scopes an add may name, and which lessons a modify or delete may name. */
    record Rules(String scope, boolean otherScopes, Set<String> knownIds) {}

    /**
     * The deltas of {@code edits}, or an {@link IllegalArgumentException} that says which edit is wrong and why (the
     * caller adds where it was). An add without a scope gets {@code rules.scope()}.
     */
    static List<Playbook.Delta> parse(JsonNode edits, Rules rules) {
        if (edits == null || edits.isMissingNode() || edits.isNull()) throw new IllegalArgumentException("it has no \"edits\"");
        if (!edits.isArray()) throw new IllegalArgumentException("\"edits\" is not a list");
        if (edits.isEmpty()) throw new IllegalArgumentException("\"edits\" is empty");
        var out = new ArrayList<Playbook.Delta>();
        for (int i = 0; i < edits.size(); i++) out.add(edit(edits.get(i), i + 1, rules));
        return out;
    }

    private static Playbook.Delta edit(JsonNode e, int n, Rules rules) {
        String where = "edit " + n;
        if (!e.isObject()) throw new IllegalArgumentException(where + " is not an object");
        var opNode = e.path("op");
        if (!opNode.isTextual() || opNode.asText().isBlank()) throw new IllegalArgumentException(where + " has no \"op\" (add, modify or delete)");
        String op = opNode.asText().strip().toLowerCase(java.util.Locale.ROOT);
        if (!List.of("add", "modify", "delete").contains(op)) {
            throw new IllegalArgumentException(where + " has the unknown op '" + opNode.asText() + "' (add, modify or delete)");
        }
        String text = string(e, "text", where);
        String id = string(e, "id", where);
        if (!op.equals("delete") && (text == null || text.isBlank())) throw new IllegalArgumentException(where + " (" + op + ") has no \"text\"");
        if (!op.equals("add") && (id == null || id.isBlank())) throw new IllegalArgumentException(where + " (" + op + ") has no lesson \"id\"");
        if (op.equals("add")) {
            String scope = string(e, "scope", where);
            if (scope == null || scope.isBlank()) scope = rules.scope();
            scope = scope.strip();
            if (!validScope(scope)) {
                throw new IllegalArgumentException(where + " has the scope '" + scope + "', which is not user, workspace:PATH or environment:NAME");
            }
            if (!rules.otherScopes() && !scope.equals(rules.scope())) {
                throw new IllegalArgumentException(where + " is scoped '" + scope + "', not '" + rules.scope() + "', where these lessons go");
            }
            return new Playbook.Delta("add", null, text.strip(), scope);
        }
        id = id.strip();
        if (rules.knownIds() != null && !rules.knownIds().contains(id)) {
            throw new IllegalArgumentException(where + " would " + op + " " + id + ", which is not a lesson of " + rules.scope());
        }
        return new Playbook.Delta(op, id, op.equals("delete") ? null : text.strip(), null);
    }

    private static String string(JsonNode e, String field, String where) {
        var v = e.path(field);
        if (v.isMissingNode() || v.isNull()) return null;
        if (!v.isTextual()) throw new IllegalArgumentException(where + ": \"" + field + "\" is not a string");
        return v.asText();
    }

    static boolean validScope(String scope) {
        try {
            Playbook.Delta.add("x", scope); // the playbook's own check of scopes
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** {@code C-} and a short hash of the edits: the same edits get the same id. */
    static String id(List<Playbook.Delta> edits) {
        var sb = new StringBuilder();
        for (var d : edits) {
            sb.append(d.op()).append('\u0001').append(d.lessonId()).append('\u0001').append(d.text()).append('\u0001').append(d.scope()).append('\n');
        }
        return "C-" + sha256(sb.toString()).substring(0, 8);
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e); // every JDK has SHA-256
        }
    }

    /** A reward as the prompt shows it: {@code 0.0}, {@code 1.0}, {@code 0.333}. */
    static String reward(double r) {
        return String.valueOf(Math.round(r * 1000) / 1000.0);
    }
}
