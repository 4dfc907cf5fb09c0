package ai.apprentice.memory;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.memory.Memory.Kind;
import ai.apprentice.model.ChatRequest;
import ai.apprentice.model.ChatResponse;
import ai.apprentice.model.Message;
import ai.apprentice.model.Model;
import ai.apprentice.model.ModelListener;
import ai.apprentice.model.Usage;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Model-based consolidation with a stand-in model that reads the prompt it is given, as a real one would. */
@Timeout(120)
@org.junit.jupiter.params.ParameterizedClass
@org.junit.jupiter.params.provider.EnumSource(Backend.class)
class ModelConsolidatorTest {
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
    final List<String> prompts = new ArrayList<>();

    /** Answers the episode prompt with {@code episodes} and the contradiction prompt with {@code pairs}. */
    private Model judge(Function<String, String> episodes, Function<String, String> pairs) {
        return new Model() {
            @Override
            public String id() {
                return "test:judge";
            }

            @Override
            public ChatResponse chat(ChatRequest request, ModelListener listener) {
                var system = request.messages().getFirst().content();
                var user = request.messages().get(1).content();
                prompts.add(user);
                var answer = system.contains("old episodes") ? episodes.apply(user) : pairs.apply(user);
                return new ChatResponse(Message.assistant(answer), new Usage(100, 20), "stop");
            }
        };
    }

    /** The ids on the listing's lines that mention {@code word}. */
    private static List<String> idsMentioning(String listing, String word) {
        var out = new ArrayList<String>();
        for (var line : listing.lines().toList()) {
            var m = Pattern.compile("^(m-[0-9a-f-]+)").matcher(line);
            if (m.find() && line.contains(word)) out.add(m.group(1));
        }
        return out;
    }

    /** The number of the pair whose lines mention {@code word}, and which side (A or B) mentions {@code current}. */
    private static String pairAnswer(String listing, String word, String current) {
        var lines = listing.lines().toList();
        for (int i = 0; i + 1 < lines.size(); i++) {
            var m = Pattern.compile("^(\\d+)\\. A").matcher(lines.get(i));
            if (m.find() && (lines.get(i) + lines.get(i + 1)).contains(word)) {
                var side = lines.get(i).contains(current) ? "A" : "B";
                return "{\"contradictions\": [{\"pair\": " + m.group(1) + ", \"current\": \"" + side + "\"}]}";
            }
        }
        return "{\"contradictions\": []}";
    }

    private void age(Path dbDir, String id, String when) throws Exception {
        try (var db = place().raw(); var st = db.createStatement()) {
            st.execute("UPDATE memories SET created_at = '" + when + "' WHERE id = '" + id + "'");
        }
    }

    @Test
    void summarisesOldEpisodesAndResolvesAContradictionInOneUndoableBatch() throws Exception {
        try (var store = place().open(new OnnxEmbedder())) {
            var deploys = new ArrayList<String>();
            for (var text : List.of("The deploy on Monday failed because the cache was cold.", "The Tuesday deploy failed until the cache was warmed by hand."))
                deploys.add(store.add(Memory.New.of(text, Kind.EPISODE, Memory.USER), "t").memory().id());
            var garden = store.add(Memory.New.of("We talked about tomatoes in the garden.", Kind.EPISODE, Memory.USER), "t").memory().id();
            var recent = store.add(Memory.New.of("Yesterday the deploy went fine.", Kind.EPISODE, Memory.USER), "t").memory().id();
            for (var id : List.of(deploys.get(0), deploys.get(1), garden)) age(dir, id, "2026-08-01T00:00:00Z");
            var standupOld = store.add(Memory.New.of("The team standup is at 9:30 every morning.", Kind.FACT, Memory.USER), "t").memory().id();
            age(dir, standupOld, "2026-09-01T00:00:00Z");
            var standupNew = store.add(Memory.New.of("The team standup now starts at 10:00 every morning.", Kind.FACT, Memory.USER), "t").memory().id();
            var now = Instant.parse("2026-11-30T00:00:00Z");

            var model = judge(listing -> {
                var covered = idsMentioning(listing, "deploy");
                return "Here you are: {\"summaries\": [{\"text\": \"Warm the cache before a deploy; a cold cache makes deploys fail.\", \"kind\": \"lesson\", "
                        + "\"covers\": [\"" + String.join("\", \"", covered) + "\", \"m-not-a-real-id\"]}]}";
            }, listing -> pairAnswer(listing, "standup", "10:00"));

            var dry = new ModelConsolidator(model).run(store, now, true);
            assertThat(dry.batch()).isNull();
            assertThat(dry.summaries()).hasSize(1);
            assertThat(store.list(null, false, 100)).hasSize(6);

            var result = new ModelConsolidator(model).run(store, now, false);
            assertThat(prompts.get(2)).as("only old episodes are offered").contains(deploys.get(0)).contains(garden).doesNotContain(recent);
            assertThat(result.summarised()).isEqualTo(2);
            assertThat(result.resolved()).containsExactly(new String[] {standupOld, standupNew});
            assertThat(result.usage().inputTokens()).isEqualTo(200);
            var active = store.list(null, false, 100).stream().map(Memory::text).toList();
            assertThat(active).contains("Warm the cache before a deploy; a cold cache makes deploys fail.", "We talked about tomatoes in the garden.",
                    "Yesterday the deploy went fine.", "The team standup now starts at 10:00 every morning.")
                    .doesNotContain("The deploy on Monday failed because the cache was cold.", "The team standup is at 9:30 every morning.");
            assertThat(store.get(deploys.get(0)).supersededBy()).isNotNull();
            assertThat(store.get(standupOld).supersededBy()).isEqualTo(standupNew);

            store.undo(result.batch(), "test");
            var restored = store.list(null, false, 100).stream().map(Memory::id).toList();
            assertThat(restored).containsExactlyInAnyOrder(deploys.get(0), deploys.get(1), garden, recent, standupOld, standupNew);
        }
    }

    @Test
    void aReplyThatIsNotJsonChangesNothing() throws Exception {
        try (var store = place().open(new OnnxEmbedder())) {
            for (var text : List.of("The deploy failed on Monday.", "The deploy failed on Tuesday.")) {
                var id = store.add(Memory.New.of(text, Kind.EPISODE, Memory.USER), "t").memory().id();
                age(dir, id, "2026-08-01T00:00:00Z");
            }
            var result = new ModelConsolidator(judge(l -> "I would rather not.", l -> "no")).run(store, Instant.parse("2026-11-30T00:00:00Z"), false);
            assertThat(result.batch()).isNull();
            assertThat(result.problems()).isNotEmpty().allMatch(p -> p.contains("nothing changed"));
            assertThat(store.list(null, false, 100)).hasSize(2);
        }
    }
}
