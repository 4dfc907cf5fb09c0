package ai.apprentice.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.apprentice.memory.Memory.Kind;
import ai.apprentice.memory.MemoryStore.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(180)
@org.junit.jupiter.params.ParameterizedClass
@org.junit.jupiter.params.provider.EnumSource(Backend.class)
class MemoryStoreTest {
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
    private final Embedder embedder = new OnnxEmbedder();

    private static List<String> texts(List<Memory.Recalled> rs) {
        return rs.stream().map(r -> r.memory().text()).toList();
    }

    @Test
    void remembersRecallsWithReasonsAndNeverStoresTwiceOrStoresSecrets() {
        try (var store = place().open(embedder)) {
            var a = store.add(Memory.New.of("The user prefers tabs over spaces in Java code.", Kind.PREFERENCE, Memory.USER), "test");
            store.add(Memory.New.of("The build server is named hopper and runs Debian.", Kind.FACT, Memory.USER), "test");
            store.add(Memory.New.of("Deploys happen on Thursdays after the standup.", Kind.FACT, Memory.workspace("/w")), "test");
            var again = store.add(Memory.New.of("The user prefers tabs over spaces in Java code.", Kind.PREFERENCE, Memory.USER), "test");
            assertThat(again.duplicate()).isTrue();
            assertThat(again.memory().id()).isEqualTo(a.memory().id());
            assertThat(store.count()).isEqualTo(3);

            var hits = store.recall("how should I indent code?", 3, null, Method.HYBRID);
            assertThat(hits.getFirst().memory().text()).contains("tabs over spaces");
            assertThat(hits.getFirst().why()).anyMatch(w -> w.startsWith("meaning"));
            assertThat(texts(store.recall("which machine builds?", 1, null, Method.HYBRID))).containsExactly("The build server is named hopper and runs Debian.");
            // Scopes filter: the workspace fact is only found with its workspace.
            assertThat(texts(store.recall("when are deploys", 5, Set.of(Memory.USER), Method.HYBRID))).noneMatch(t -> t.contains("Thursdays"));
            assertThat(texts(store.recall("when are deploys", 5, Set.of(Memory.USER, Memory.workspace("/w")), Method.HYBRID)).getFirst()).contains("Thursdays");

            var secret = store.add(Memory.New.of("My OpenAI key is sk-proj-abcdefghijklmnopqrstuvwxyz123456 and the db password: hunter22x", Kind.FACT, Memory.USER), "test");
            assertThat(secret.secretsRemoved()).containsExactlyInAnyOrder("openai-key", "password");
            assertThat(secret.memory().text()).doesNotContain("sk-proj").doesNotContain("hunter22x").contains("[REDACTED:openai-key]");
        }
    }

    @Test
    void everyChangeIsInHistoryAndCanBeUndoneWhileHardForgettingIsFinal() {
        try (var store = place().open(embedder)) {
            var old = store.add(Memory.New.of("The team meets on Mondays.", Kind.FACT, Memory.USER), "test").memory();
            var newer = store.add(new Memory.New("The team meets on Tuesdays now.", null, Kind.FACT, Memory.USER, null, null, 0.9, old.id()), "user said so").memory();
            assertThat(store.get(old.id()).supersededBy()).isEqualTo(newer.id());
            assertThat(texts(store.recall("when does the team meet", 5, null, Method.HYBRID))).contains(newer.text()).doesNotContain(old.text());
            var batch = store.history(null, 1).getFirst().batch();
            assertThat(store.history(batch, 10)).extracting(Memory.Change::op).containsExactlyInAnyOrder("add", "supersede");

            // Undo the supersession: the old fact is back, the new one gone from recall.
            assertThat(store.undo(batch, null)).hasSize(2);
            assertThat(store.get(old.id()).active()).isTrue();
            assertThat(store.get(newer.id()).active()).isFalse();
            assertThat(texts(store.recall("when does the team meet", 5, null, Method.HYBRID))).contains(old.text()).doesNotContain(newer.text());
            assertThat(store.history(null, 5)).extracting(Memory.Change::op).contains("undo-add", "undo-supersede");

            store.forget(old.id(), false, "test");
            assertThat(store.recall("team meet", 5, null, Method.HYBRID)).isEmpty();
            store.undo(store.history(null, 1).getFirst().batch(), null);
            assertThat(texts(store.recall("team meet", 5, null, Method.HYBRID))).contains(old.text());

            store.forget(old.id(), true, "test");
            assertThat(store.get(old.id())).isNull();
            assertThat(store.history(null, 100)).filteredOn(c -> c.memoryId().equals(old.id())).allMatch(c -> c.text() == null);
            var hardBatch = store.history(null, 1).getFirst().batch();
            assertThatThrownBy(() -> store.undo(hardBatch, null)).hasMessageContaining("cannot be undone");
            assertThatThrownBy(() -> store.undo("b-nope", null)).hasMessageContaining("no changes in batch b-nope");
        }
    }

    @Test
    void anIndexBehindTheStoreOrBrokenIsRepairedOnOpen() throws Exception {
        String id;
        try (var store = place().open(embedder)) {
            id = store.add(Memory.New.of("The staging database lives on port 5433.", Kind.FACT, Memory.USER), "test").memory().id();
        }
        // A process that crashed after its SQLite commit and before updating the index: the log is ahead.
        try (var db = place().raw(); var st = db.createStatement()) {
            st.execute("INSERT INTO memories(id, text, kind, scope, hash, confidence, created_at) VALUES "
                    + "('m-crashed', 'The release branch is cut every second Friday.', 'fact', 'user', 'h', 1.0, '2026-11-30T00:00:00Z')");
            st.execute("INSERT INTO changes(batch, at, op, memory_id, text) VALUES ('b-crash', '2026-11-30T00:00:00Z', 'add', 'm-crashed', 'x')");
        }
        try (var store = place().open(embedder)) {
            assertThat(texts(store.recall("when is the release branch cut", 1, null, Method.HYBRID))).containsExactly("The release branch is cut every second Friday.");
        }
        // An index destroyed on disk is rebuilt from the rows.
        try (var files = Files.list(dir.resolve("index"))) {
            for (var f : files.toList()) if (f.getFileName().toString().startsWith("segments")) Files.writeString(f, "garbage");
        }
        try (var store = place().open(embedder)) {
            assertThat(store.recall("staging database port", 1, null, Method.HYBRID).getFirst().memory().id()).isEqualTo(id);
        }
    }

    @Test
    void consolidationMergesNearDuplicatesAndWeakensIdleMemoriesAndCanBeUndone() throws Exception {
        try (var store = place().open(embedder)) {
            var older = store.add(Memory.New.of("The build server is called hopper.", Kind.FACT, Memory.USER), "t").memory();
            var newer = store.add(Memory.New.of("The build server is called hopper!", Kind.FACT, Memory.USER), "t").memory();
            var other = store.add(Memory.New.of("Lunch is at noon on Fridays.", Kind.FACT, Memory.USER), "t").memory();
            var elsewhere = store.add(Memory.New.of("The build server is called hopper.", Kind.FACT, Memory.workspace("/w")), "t").memory();
            try (var db = place().raw(); var st = db.createStatement()) {
                st.execute("UPDATE memories SET created_at = '2026-01-01T00:00:00Z' WHERE id = '" + other.id() + "'");
            }
            var now = java.time.Instant.parse("2026-11-30T00:00:00Z");
            var dry = store.consolidate(now, true);
            assertThat(dry.batch()).isNull();
            assertThat(dry.merged()).hasSize(1);
            assertThat(store.get(newer.id()).active()).isTrue(); // a dry run changes nothing

            var done = store.consolidate(now, false);
            assertThat(done.merged()).containsExactly(new String[] {newer.id(), older.id()});
            assertThat(done.weakened()).isEqualTo(1);
            assertThat(store.get(newer.id()).supersededBy()).isEqualTo(older.id());
            assertThat(store.get(elsewhere.id()).active()).isTrue(); // another scope is not a duplicate
            assertThat(store.get(other.id()).weight()).isEqualTo(Consolidator.DECAY);
            assertThat(store.history(done.batch(), 10)).extracting(Memory.Change::op).containsExactlyInAnyOrder("supersede", "weight");

            store.undo(done.batch(), null);
            assertThat(store.get(newer.id()).active()).isTrue();
            assertThat(store.get(other.id()).weight()).isEqualTo(1.0);
            assertThat(store.consolidate(now, true).merged()).hasSize(1); // back as it was
        }
    }

    @Test
    void ofTwoEqualMatchesTheNewerAndTheMoreSpecificComeFirst() throws Exception {
        try (var store = place().open(embedder)) {
            var old = store.add(Memory.New.of("The office wifi network is Orchard.", Kind.FACT, Memory.USER), "t").memory();
            var recent = store.add(Memory.New.of("The office wifi network is Orchard!", Kind.FACT, Memory.USER), "t").memory();
            try (var db = place().raw(); var st = db.createStatement()) {
                st.execute("UPDATE memories SET created_at = '2025-01-01T00:00:00Z' WHERE id = '" + old.id() + "'");
            }
            assertThat(store.recall("office wifi network", 2, null, Method.HYBRID)).extracting(r -> r.memory().id()).containsExactly(recent.id(), old.id());
            // Of two equally old, equal matches, the workspace's comes before the user's general one.
            store.forget(recent.id(), false, "t");
            var workspace = store.add(Memory.New.of("The office wifi network is Orchard.", Kind.FACT, Memory.workspace("/w")), "t").memory();
            try (var db = place().raw(); var st = db.createStatement()) {
                st.execute("UPDATE memories SET created_at = '2025-01-01T00:00:00Z' WHERE id = '" + workspace.id() + "'");
            }
            assertThat(store.recall("office wifi network", 2, null, Method.HYBRID)).extracting(r -> r.memory().id()).containsExactly(workspace.id(), old.id());
        }
        var now = java.time.Instant.parse("2026-11-30T00:00:00Z");
        var fresh = new Memory("m", "t", null, Kind.FACT, Memory.USER, null, null, 1, 1, 0, now, null, null, false);
        assertThat(Recall.prior(fresh, now)).isEqualTo(1.1);
        var monthOld = new Memory("m", "t", null, Kind.FACT, Memory.agent("a"), null, null, 1, 0.5, 0, now.minus(java.time.Duration.ofDays(30)), null, null, false);
        assertThat(Recall.prior(monthOld, now)).isCloseTo(0.5 * 1.05 * 1.1, org.assertj.core.api.Assertions.within(1e-9));
    }

    @Test
    void optimizeMergesTheSegmentsThatSeparateWritesLeave() {
        try (var store = place().open(embedder)) {
            for (var text : List.of("The boiler was serviced in March.", "The car needs new tyres.", "The roof was repaired in 2024."))
                store.add(Memory.New.of(text, Kind.FACT, Memory.USER), "t"); // one commit, one segment each
            assertThat(store.segments()).isGreaterThanOrEqualTo(2);
            assertThat(store.optimize()).isGreaterThanOrEqualTo(2);
            assertThat(store.segments()).isEqualTo(1);
            assertThat(texts(store.recall("when was the roof fixed", 1, null, Method.HYBRID))).containsExactly("The roof was repaired in 2024.");
            assertThat(store.optimize()).isEqualTo(1); // nothing left to merge
        }
    }

    /** Chinese memories are embedded by the Chinese model and found by meaning and by bigrams; English ones are unaffected. */
    @Test
    void chineseIsRecalledByMeaningAndByWordsBesideEnglish() {
        assertThat(OnnxEmbedder.mostlyCjk("用户喜欢喝绿茶")).isTrue();
        assertThat(OnnxEmbedder.mostlyCjk("The user likes green tea (绿茶)")).isFalse();
        var memories = List.of("用户喜欢喝绿茶，从来不喝咖啡。", "明天下午三点在二楼会议室开会。", "项目的截止日期是下周五。", "我的猫叫小白，今年三岁。",
                "他住在上海浦东，每天坐地铁上班。", "服务器每周日凌晨自动备份。", "她对花生过敏，不能吃坚果。", "女儿在读小学二年级。",
                "The build server is named hopper and runs Debian.");
        // each question shares no word with its memory: only meaning can find it
        var questions = java.util.Map.of("他平时爱点什么饮料？", 0, "宠物的名字", 3, "饮食上要注意什么", 6, "孩子现在念书到哪个阶段", 7,
                "数据多久保存一次", 5, "通勤方式", 4);
        try (var store = place().open(embedder)) {
            for (var text : memories) store.add(Memory.New.of(text, Kind.FACT, Memory.USER), "t");
            var wrong = new ArrayList<String>();
            questions.forEach((q, i) -> {
                var got = texts(store.recall(q, 1, null, Method.VECTOR));
                if (!got.equals(List.of(memories.get(i)))) wrong.add(q + " -> " + got);
            });
            assertThat(wrong).isEmpty();
            assertThat(texts(store.recall("截止日期", 1, null, Method.LEXICAL))).containsExactly("项目的截止日期是下周五。");
            assertThat(texts(store.recall("什么时候开会", 1, null, Method.HYBRID))).containsExactly("明天下午三点在二楼会议室开会。");
            assertThat(texts(store.recall("which machine builds?", 1, null, Method.VECTOR))).containsExactly(memories.getLast());
            store.add(Memory.New.of("用户喜欢喝绿茶，从来都不喝咖啡。", Kind.FACT, Memory.USER), "t"); // a near-duplicate in Chinese
            var sleep = store.consolidate(java.time.Instant.now(), false);
            assertThat(sleep.merged()).as("duplicates are found within the Chinese space too").hasSize(1);
            assertThat(store.rebuild()).isEqualTo(memories.size());
            assertThat(texts(store.recall("宠物的名字", 1, null, Method.VECTOR))).as("after a rebuild from SQLite").containsExactly(memories.get(3));
        }
    }

    @Test
    void scheduledConsolidationRunsOnlyWhenDue() {
        try (var store = place().open(embedder)) {
            store.add(Memory.New.of("The staging database is called birch.", Kind.FACT, Memory.USER), "t");
            store.add(Memory.New.of("The staging database is called birch!", Kind.FACT, Memory.USER), "t");
            var day = java.time.Duration.ofDays(1);
            var t0 = java.time.Instant.parse("2026-12-01T08:00:00Z");
            assertThat(store.lastConsolidated()).isEmpty();
            var first = store.consolidateIfDue(t0, day);
            assertThat(first).isPresent();
            assertThat(first.get().merged()).hasSize(1);
            assertThat(store.lastConsolidated()).contains(t0);
            assertThat(store.consolidateIfDue(t0.plus(java.time.Duration.ofHours(23)), day)).isEmpty();
            assertThat(store.consolidateIfDue(t0.plus(java.time.Duration.ofHours(25)), day)).isPresent();
            store.consolidate(t0.plus(java.time.Duration.ofDays(3)), true); // a dry run does not count
            assertThat(store.lastConsolidated()).contains(t0.plus(java.time.Duration.ofHours(25)));
        }
    }

    @Test
    void aNewerSchemaIsRefusedAndLeftAsItIs() throws Exception {
        try (var store = place().open(embedder)) {
            store.add(Memory.New.of("Kept.", Kind.FACT, Memory.USER), "t");
        }
        try (var c = place().raw(); var st = c.createStatement()) {
            st.execute(backend == Backend.SQLITE ? "PRAGMA user_version = 42" : "UPDATE apprentice_schema SET version = 42 WHERE component = 'memory'");
        }
        assertThatThrownBy(() -> place().open(embedder)).isInstanceOf(MemoryException.class)
                .hasMessageContaining("version 42, newer than this apprentice understands (" + MemorySchema.STEPS.size() + ")");
        try (var c = place().raw(); var st = c.createStatement(); var rs = st.executeQuery("SELECT count(*) FROM memories")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getInt(1)).isEqualTo(1);
        }
    }

    @Test
    void anotherNodesIndexCatchesUpFromTheSharedLog() throws Exception {
        try (var a = place().open(embedder); var b = place().open(embedder, dir.resolve("index-b"))) {
            assertThat(b.recall("parking garage level", 1, null, Method.LEXICAL)).isEmpty();
            var m = a.add(Memory.New.of("Visitors park on level 3 of the garage.", Kind.FACT, Memory.USER), "t").memory();
            assertThat(texts(b.recall("parking garage level", 1, null, Method.LEXICAL))).containsExactly("Visitors park on level 3 of the garage.");
            a.forget(m.id(), false, "t");
            assertThat(b.recall("parking garage level", 1, null, Method.LEXICAL)).isEmpty();
            assertThat(b.history(null, 10)).extracting(Memory.Change::op).containsExactly("forget", "add");
        }
    }

    @Test
    void twoProcessesWritingAtOnceLoseNothing() throws Exception {
        var procs = new ArrayList<Process>();
        for (var who : List.of("alpha", "beta")) {
            // each process its own index, as on separate machines (on SQLite they share the directory, as before)
            var pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", System.getProperty("java.class.path"),
                    ConcurrentWriter.class.getName(), place().location(), who, "15", dir.resolve("index-" + who).toString()).redirectErrorStream(true);
            pb.environment().putAll(place().childEnv());
            procs.add(pb.start());
        }
        for (var p : procs) {
            assertThat(p.waitFor(150, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(new String(p.getInputStream().readAllBytes())).isZero();
        }
        try (var store = place().open(embedder)) {
            assertThat(store.count()).isEqualTo(30);
            assertThat(texts(store.recall("alpha note 7", 1, null, Method.LEXICAL))).containsExactly("alpha note 7 about zebra7alpha");
            assertThat(texts(store.recall("beta note 14", 1, null, Method.LEXICAL))).containsExactly("beta note 14 about zebra14beta");
        }
    }

    /** Run in a separate JVM by the test above: adds memories one by one, each its own batch. */
    public static final class ConcurrentWriter {
        public static void main(String[] args) {
            var pools = new java.util.ArrayList<ai.apprentice.store.Database>();
            try (var store = ai.apprentice.store.Database.isPostgresql(args[0])
                    ? Backend.Place.openPostgresql(args[0], System.getenv("PGPASSWORD"), Path.of(args[3]), new OnnxEmbedder(), pools)
                    : MemoryStore.open(Path.of(args[0]), new OnnxEmbedder())) {
                for (int i = 0; i < Integer.parseInt(args[2]); i++) {
                    store.add(Memory.New.of(args[1] + " note " + i + " about zebra" + i + args[1], Kind.FACT, Memory.USER), args[1]);
                }
            } finally {
                pools.forEach(ai.apprentice.store.Database::close);
            }
        }
    }
}
