package ai.apprentice.memory;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.json.Json;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent's memory tools keep to the scopes it may see, for every operation. */
@org.junit.jupiter.params.ParameterizedClass
@org.junit.jupiter.params.provider.EnumSource(Backend.class)
class MemoryToolsTest {
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

    /** Letter counts: enough to store and find memories without a model. */
    static final Embedder LETTERS = new Embedder() {
        @Override public String id() { return "test-letters"; }
        @Override public int dimension() { return 26; }
        @Override public float[] embed(String text) {
            var v = new float[26];
            for (char c : text.toLowerCase().toCharArray()) if (c >= 'a' && c <= 'z') v[c - 'a']++;
            double norm = 0;
            for (float x : v) norm += x * x;
            for (int i = 0; i < v.length; i++) v[i] = (float) (v[i] / Math.max(1e-9, Math.sqrt(norm)));
            return v;
        }
    };

    @Test
    void rememberCannotReplaceAMemoryOfAnotherWorkspace() throws Exception {
        try (var store = place().open(LETTERS)) {
            var other = Memory.workspace("/srv/other-project");
            var theirs = store.add(new Memory.New("The other project deploys on Fridays.", null, Memory.Kind.FACT, other, "cli", null, 1.0, null), "test");
            var mine = Memory.workspace("/srv/mine");
            var remember = new MemoryTools(store, mine, List.of(Memory.USER, mine), "agent").all().get(0);
            var result = remember.execute(Json.object().put("text", "Deploys happen on Mondays.").put("replaces", theirs.memory().id()), null);
            assertThat(result.error()).isTrue();
            assertThat(result.content()).contains("No memory " + theirs.memory().id() + " here");
            assertThat(store.get(theirs.memory().id()).supersededBy()).as("untouched").isNull();
            assertThat(store.count()).isEqualTo(1);

            var own = store.add(new Memory.New("We deploy on Fridays.", null, Memory.Kind.FACT, mine, "cli", null, 1.0, null), "test");
            var ok = remember.execute(Json.object().put("text", "We deploy on Mondays now.").put("replaces", own.memory().id()), null);
            assertThat(ok.error()).as(ok.content()).isFalse();
        }
    }
}
