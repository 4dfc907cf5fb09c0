package ai.apprentice.temporal.run;

import ai.apprentice.json.Json;

/**
 * How a call that waited for a person was settled, as the worker records it in the run store
 * ({@code RunStore.approvalSettled}) for servers that do not hold the run: the shape of {@link RunView.Settled}, or
 * {@link #ENDED} when its run ended while it waited.
 */
final class StoredApprovals {
    /** The run ended (cancelled, failed) while the call waited: nobody answered it. */
    static final String ENDED = "{\"ended\":true}";

    private StoredApprovals() {}

    static String settled(String id, Answer answer) {
        return Json.write(new RunView.Settled(id, answer.allow(), answer.always(), answer.reason(), answer.by(), answer.timedOut()));
    }

    /** How it was settled; null when its run ended while it waited, or the text cannot be read. */
    static RunView.Settled read(String settled) {
        if (settled == null) return null;
        try {
            var tree = Json.tree(settled);
            if (tree.has("ended") || !tree.has("id")) return null;
            return Json.MAPPER.treeToValue(tree, RunView.Settled.class);
        } catch (java.io.UncheckedIOException | com.fasterxml.jackson.core.JsonProcessingException | IllegalArgumentException e) {
            return null;
        }
    }
}
