package ai.apprentice.store;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.model.Message;
import ai.apprentice.model.ToolCall;
import ai.apprentice.redact.Redactor;
import ai.apprentice.runtime.Event;
import ai.apprentice.runtime.RunSnapshot;
import ai.apprentice.runtime.RunStatus;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** No secret reaches the database, and a text forgotten for good can be blanked from it. */
@org.junit.jupiter.params.ParameterizedClass
@org.junit.jupiter.params.provider.EnumSource(Backend.class)
class RedactionTest {
    private static final String KEY = "sk-proj-Ab3dEfGhIjKlMnOpQrStUvWxYz_0123456789";
    private static final Instant T = Instant.parse("2026-11-22T10:00:00Z");
    @TempDir Path dir;
    @org.junit.jupiter.params.Parameter Backend backend;
    private Backend.Place place;

    private Backend.Place place() {
        if (place == null) place = new Backend.Place(backend, dir);
        return place;
    }

    @org.junit.jupiter.api.AfterEach
    void closePools() {
        if (place != null) place.close();
    }

    /** Occurrences of {@code text} anywhere in the database's events and runs, read with SQL, not through the store. */
    private long occurrences(String text) throws Exception {
        var d = place().dialect();
        try (var c = place().raw();
             var ps = c.prepareStatement("SELECT (SELECT count(*) FROM events WHERE " + d.contains("payload") + ") + (SELECT count(*) FROM runs WHERE "
                     + d.contains("task") + " OR " + d.contains("answer") + ")")) {
            for (int i = 1; i <= 3; i++) ps.setString(i, text);
            try (var rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    @Test
    void everyEventIsRedactedBeforeItIsWritten() throws Exception {
        try (var store = place().open(Redactor.of(Map.of("SERVICE_TOKEN", "opaque-env-value-1")))) {
            store.onEvent(new Event.RunStarted("r1", T, "use key " + KEY, "m", null, "/ws", List.of(Message.user("use key " + KEY))));
            store.onEvent(new Event.ToolCallEvent("r1", T, 1, new ToolCall("c1", "read_file", "{\"path\":\".env\"}")));
            store.onEvent(new Event.ToolResultEvent("r1", T, 1, "c1", "read_file", "OPENAI_API_KEY=" + KEY + "\nX=opaque-env-value-1", false, 3));
            store.onEvent(new Event.StepCompleted("r1", T, 1, List.of(Message.assistant("", List.of(new ToolCall("c1", "read_file", "{\"path\":\".env\"}"))),
                    Message.toolResult("c1", "read_file", "OPENAI_API_KEY=" + KEY))));
            store.onEvent(new Event.RunFinished("r1", T, RunStatus.SUCCEEDED, "completed", "The key is " + KEY, 1, 1, 1, 0));
            assertThat(occurrences(KEY)).isZero();
            assertThat(occurrences("opaque-env-value-1")).isZero();
            assertThat(occurrences("[REDACTED:openai-key]")).isEqualTo(4 + 1); // 4 events and the run's row
            assertThat(store.get("r1").orElseThrow().task()).isEqualTo("use key [REDACTED:openai-key]");
            // Resume replays the redacted history: the secret is gone, the shape of the history is not.
            assertThat(RunSnapshot.fromEvents(store.events("r1")).history()).hasSize(3);
        }
    }

    @Test
    void scrubBlanksAForgottenTextEverywhereButLeavesTheEventsReadable() throws Exception {
        String memory = "The user's \"sister\" is called Dana\nand lives in Porto.";
        try (var store = place().open()) {
            store.onEvent(new Event.RunStarted("r1", T, "remember things", "m", null, "/ws", List.of(Message.user("hi"))));
            store.onEvent(new Event.ToolCallEvent("r1", T, 1, new ToolCall("c1", "remember", ai.apprentice.json.Json.write(Map.of("text", memory)))));
            store.onEvent(new Event.ToolResultEvent("r1", T, 1, "c1", "remember", "Remembered: " + memory, false, 3));
            store.onEvent(new Event.MemoryUpdated("r1", T, "b-1", List.of("m-1"), List.of(memory, "other")));
            store.onEvent(new Event.RunFinished("r1", T, RunStatus.SUCCEEDED, "completed", "Noted: " + memory, 1, 1, 1, 0));
            assertThat(occurrences("lives in Porto")).isEqualTo(4 + 1); // 4 events and the run's row

            assertThat(store.scrub(memory, "[forgotten]")).isEqualTo(4 + 1);
            assertThat(occurrences("lives in Porto")).isZero();
            var events = store.events("r1");
            assertThat(events).hasSize(5);
            assertThat(((Event.MemoryUpdated) events.get(3)).texts()).containsExactly("[forgotten]", "other");
            assertThat(((Event.ToolCallEvent) events.get(1)).call().arguments()).isEqualTo("{\"text\":\"[forgotten]\"}");
            assertThat(store.get("r1").orElseThrow().answer()).isEqualTo("Noted: [forgotten]");
            assertThat(store.scrub(memory, "[forgotten]")).isZero();
        }
    }
}
