package ai.apprentice.tools;

import java.util.Locale;

/**
 * Who approves tool calls that no rule settles. ASK: a person at the terminal. AUTO: nobody; allow what
 * the rules and the sandbox permit, deny the rest. ALL: allow everything (disposable environments only).
 */
public enum ApprovalMode {
    ASK, AUTO, ALL;

    public static ApprovalMode parse(String s) {
        try {
            return valueOf(s.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Unknown approval mode '" + s + "': use ask, auto or all");
        }
    }
}
