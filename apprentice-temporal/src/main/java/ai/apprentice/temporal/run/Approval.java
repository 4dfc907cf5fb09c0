package ai.apprentice.temporal.run;

/**
 * A tool call waiting for a person (ask mode): {@code id} is {@code STEP:INDEX}, the key the approve signal names.
 * The run's workflow waits for the signal; the call runs (or is denied) in a new activity with the answer.
 */
public record Approval(String id, int step, int index, String tool, String subject, String arguments) {
    static String id(int step, int index) {
        return step + ":" + index;
    }
}
