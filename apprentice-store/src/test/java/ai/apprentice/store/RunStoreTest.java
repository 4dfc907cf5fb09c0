package ai.apprentice.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.apprentice.model.Message;
import ai.apprentice.model.ToolCall;
import ai.apprentice.runtime.Event;
import ai.apprentice.runtime.RunSnapshot;
import ai.apprentice.runtime.RunStatus;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@org.junit.jupiter.params.ParameterizedClass
@org.junit.jupiter.params.provider.EnumSource(Backend.class)
@Timeout(120)
class RunStoreTest {
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

    private Path db() {
        return dir.resolve("apprentice.db");
    }

    @Test
    void everyEventTypeRoundTripsAndTheRowFollows() {
        var t = Instant.parse("2026-11-22T10:00:00Z");
        var events = List.<Event>of(
                new Event.RunStarted("r1", t, "fix it", "openai:gpt-4.1-mini", null, "/ws", List.of(Message.system("sys"), Message.user("fix it"))),
                new Event.ModelRetry("r1", t, 1, 1, 500, "429 slow down"),
                new Event.ToolCallEvent("r1", t, 1, new ToolCall("c1", "read_file", "{\"path\":\"a\"}")),
                new Event.PermissionDecision("r1", t, 1, "c1", "read_file", true, "default", "read-only tool"),
                new Event.ToolResultEvent("r1", t, 1, "c1", "read_file", "hello", false, 3),
                new Event.UsageEvent("r1", t, 1, 100, 20, 0.5, 100, 20, 0.5),
                new Event.StepCompleted("r1", t, 1, List.of(Message.assistant("", List.of(new ToolCall("c1", "read_file", "{}"))), Message.toolResult("c1", "read_file", "hello"))),
                new Event.ErrorEvent("r1", t, 2, "boom"),
                new Event.RunResumed("r1", t, 1),
                new Event.RunFinished("r1", t, RunStatus.SUCCEEDED, "completed", "fixed", 2, 150, 30, 0.75));
        try (var store = place().open()) {
            events.forEach(store::onEvent);
            store.onEvent(new Event.ModelDelta("r1", t, 1, "not stored"));
            assertThat(store.events("r1")).containsExactlyElementsOf(events);
            var run = store.get("r1").orElseThrow();
            assertThat(run.status()).isEqualTo(RunStatus.SUCCEEDED);
            assertThat(run.stopReason()).isEqualTo("completed");
            assertThat(run.answer()).isEqualTo("fixed");
            assertThat(run.steps()).isEqualTo(2);
            assertThat(run.inputTokens()).isEqualTo(150);
            assertThat(run.costUsd()).isEqualTo(0.75);
            assertThat(run.model()).isEqualTo("openai:gpt-4.1-mini");
            var snapshot = RunSnapshot.fromEvents(store.events("r1"));
            assertThat(snapshot.history()).hasSize(4);
            assertThat(snapshot.completedSteps()).isEqualTo(1);
        }
    }

    @Test
    void reopeningIsIdempotentAndANewerSchemaIsRefused() throws Exception {
        try (var store = place().open()) {
            StoreWriterMain.writeRun(store, "a", 1, true);
        }
        try (var store = place().open()) {
            assertThat(store.list(10)).hasSize(1);
        }
        place().forceSchemaVersion(99);
        assertThatThrownBy(() -> place().open()).hasMessageContaining("schema version 99").hasMessageContaining("Upgrade apprentice");
    }

    @Test
    void prefixesFindRunsAndAmbiguityIsExplained() {
        try (var store = place().open()) {
            StoreWriterMain.writeRun(store, "20261122-aaa1", 1, true);
            StoreWriterMain.writeRun(store, "20261122-aab2", 1, true);
            assertThat(store.get("20261122-aaa").orElseThrow().id()).isEqualTo("20261122-aaa1");
            assertThat(store.get("zzz")).isEmpty();
            assertThatThrownBy(() -> store.get("20261122-aa")).hasMessageContaining("ambiguous").hasMessageContaining("20261122-aab2");
            assertThat(store.get("20261122_aa")).isEmpty(); // _ is not a wildcard
            assertThat(store.get("20261122-AAA")).isEmpty(); // ids are case-sensitive
            // a run's subagents (RunIds.child) do not make a prefix of its id ambiguous; a prefix of theirs still names them
            StoreWriterMain.writeRun(store, "20261122-aab2-1-0", 1, true);
            StoreWriterMain.writeRun(store, "20261122-aab2-1-1", 1, true);
            StoreWriterMain.writeRun(store, "20261122-aab2-1-1-2-0", 1, true);
            assertThat(store.get("20261122-aab").orElseThrow().id()).isEqualTo("20261122-aab2");
            assertThat(store.get("20261122-aab2-1-1").orElseThrow().id()).isEqualTo("20261122-aab2-1-1");
            assertThat(store.get("20261122-aab2-1-1-").orElseThrow().id()).isEqualTo("20261122-aab2-1-1-2-0");
            assertThatThrownBy(() -> store.get("20261122-aab2-1-")).hasMessageContaining("ambiguous");
            assertThatThrownBy(() -> store.get("20261122-aa")).hasMessageContaining("ambiguous");
        }
    }

    @Test
    void idsByPrefixAreNewestFirstCappedAndCounted() {
        try (var store = place().open()) {
            var t = Instant.parse("2026-11-22T10:00:00Z");
            for (int i = 0; i < 5; i++) store.onEvent(new Event.RunStarted("ab-" + i, t.plusSeconds(i), "t", "m", null, "/", List.of()));
            store.onEvent(new Event.RunStarted("zz-1", t.plusSeconds(10), "t", "m", null, "/", List.of()));
            assertThat(store.idsStartingWith("ab-", 3)).isEqualTo(new RunStore.Ids(List.of("ab-4", "ab-3", "ab-2"), 5));
            assertThat(store.idsStartingWith("ab-", 10)).isEqualTo(new RunStore.Ids(List.of("ab-4", "ab-3", "ab-2", "ab-1", "ab-0"), 5));
            assertThat(store.idsStartingWith("", 2)).isEqualTo(new RunStore.Ids(List.of("zz-1", "ab-4"), 6));
            assertThat(store.idsStartingWith("AB", 10).ids()).as("case-sensitive").isEmpty();
            assertThat(store.idsStartingWith("a_", 10).ids()).as("_ is no wildcard").isEmpty();
        }
    }

    @Test
    void lastSeqsGivesTheLastEventNumberOfEachRunThatHasEventsInOneCall() {
        try (var store = place().open()) {
            var t = Instant.parse("2026-11-22T10:00:00Z");
            store.onEvent(new Event.RunStarted("one", t, "t", "m", null, "/", List.of()));
            store.onEvent(new Event.RunStarted("two", t, "t", "m", null, "/", List.of()));
            store.append(new Event.Reward("two", t, 1, "environment", null));
            var many = new java.util.ArrayList<String>(List.of("one", "two", "none"));
            for (int i = 0; i < 600; i++) many.add("absent-" + i); // more ids than one query takes
            assertThat(store.lastSeqs(many)).isEqualTo(java.util.Map.of("one", 1L, "two", 2L));
            assertThat(store.lastSeqs(List.of())).isEmpty();
        }
    }

    @Test
    void listOrderIsTimeOrderAcrossSubSecondTimestamps() {
        try (var store = place().open()) {
            // "…:05Z" sorts after "…:05.5Z" as text; stored timestamps must not.
            store.onEvent(new Event.RunStarted("later", Instant.parse("2026-11-22T10:00:05.500Z"), "b", "m", null, "/", List.of()));
            store.onEvent(new Event.RunStarted("earlier", Instant.parse("2026-11-22T10:00:05Z"), "a", "m", null, "/", List.of()));
            assertThat(store.list(10)).extracting(RunRecord::id).containsExactly("later", "earlier");
            assertThat(store.get("later").orElseThrow().startedAt()).isEqualTo(Instant.parse("2026-11-22T10:00:05.500Z"));
        }
    }

    @Test
    void settingsAreKept() {
        try (var store = place().open()) {
            StoreWriterMain.writeRun(store, "s", 1, false);
            store.setSettings("s", "{\"max_steps\":5}");
            assertThat(store.settings("s")).contains("{\"max_steps\":5}");
        }
    }

    @Test
    void messagesGivenWithARunAreKeptBeforeItBeginsAndReadByAnotherStore() {
        var given = List.of(Message.user("my name is Ada"), Message.assistant("Hello, Ada."), Message.user("and I like teal"));
        try (var server = place().open(); var worker = place().open()) {
            assertThat(worker.givenMessages("g1")).isEmpty();
            server.giveMessages("g1", given); // no run g1 yet: it begins later, perhaps in another process
            assertThat(worker.givenMessages("g1")).contains(given);
            assertThatThrownBy(() -> server.giveMessages("g1", List.of(Message.user("other")))).isInstanceOf(StoreException.class);
            assertThat(worker.givenMessages("g1")).as("the first messages stay").contains(given);
            assertThat(worker.get("g1")).isEmpty();
            server.forgetGivenMessages("g1");
            assertThat(worker.givenMessages("g1")).isEmpty();
        }
    }

    @Test
    void aCorruptEventIsReportedForItsRunOnly() throws Exception {
        try (var store = place().open()) {
            StoreWriterMain.writeRun(store, "good", 1, true);
            StoreWriterMain.writeRun(store, "bad", 1, true);
        }
        try (var c = place().raw(); var st = c.createStatement()) {
            st.execute("UPDATE events SET payload = '{oops' WHERE run_id = 'bad' AND seq = 2");
        }
        try (var store = place().open()) {
            assertThat(store.list(10)).hasSize(2);
            assertThat(store.events("good")).isNotEmpty();
            assertThatThrownBy(() -> store.events("bad")).hasMessageContaining("Event 2 of run bad");
        }
    }

    /** A child that began a run of {@code count} steps and hangs, SIGKILLed once it says READY. */
    private void killWhenReady(String mode, String prefix, int count) throws Exception {
        var p = child(mode, prefix, count).start();
        try (var out = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
            String line;
            do {
                line = out.readLine();
                assertThat(line).as("child ended before READY").isNotNull();
            } while (!line.equals("READY"));
            p.destroyForcibly(); // SIGKILL
            assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    private ProcessBuilder child(String mode, String prefix, int count) {
        var java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        var pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), StoreWriterMain.class.getName(),
                place().location(), mode, prefix, String.valueOf(count)).redirectErrorStream(true);
        pb.environment().putAll(place().childEnv());
        return pb;
    }

    @Test
    void aKilledProcessLeavesAConsistentStoreAndItsRunShowsInterrupted() throws Exception {
        killWhenReady("hang", "victim", 3);
        try (var store = place().open()) {
            var run = store.get("victim").orElseThrow();
            assertThat(run.status()).isEqualTo(RunStatus.INTERRUPTED);
            assertThat(run.steps()).isEqualTo(3);
            assertThat(store.events("victim")).hasSize(1 + 3 * 2);
        }
        try (var c = place().raw(); var st = c.createStatement()) {
            if (backend == Backend.SQLITE) {
                try (var rs = st.executeQuery("PRAGMA integrity_check")) {
                    assertThat(rs.getString(1)).isEqualTo("ok");
                }
            }
            try (var rs = st.executeQuery("SELECT count(*), min(seq), max(seq) FROM events WHERE run_id = 'victim'")) {
                rs.next();
                assertThat(List.of(rs.getLong(1), rs.getLong(2), rs.getLong(3))).containsExactly(7L, 1L, 7L); // numbered without gaps
            }
        }
    }

    @Test
    void twoProcessesWriteAtOnceWithoutLosingAnything() throws Exception {
        var procs = new ArrayList<Process>();
        for (var prefix : List.of("p1", "p2")) procs.add(child("write", prefix, 40).redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
        try (var store = place().open()) {
            for (int i = 0; i < 40; i++) StoreWriterMain.writeRun(store, "me-" + i, 5, true);
            for (var p : procs) {
                assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
                assertThat(p.exitValue()).isEqualTo(0);
            }
            var runs = store.list(1000);
            assertThat(runs).hasSize(120).allSatisfy(r -> {
                assertThat(r.status()).isEqualTo(RunStatus.SUCCEEDED);
                assertThat(r.steps()).isEqualTo(5);
            });
            assertThat(store.events("p2-39")).hasSize(12);
        }
    }

    @Test
    void aRunHeldByTheEngineOutlivesTheWorkerThatBeganIt() throws Exception {
        killWhenReady("hang-engine", "engine-run", 2); // the worker dies, the run goes on on another
        try (var store = place().open()) {
            store.markInterrupted();
            assertThat(store.get("engine-run").orElseThrow().status()).isEqualTo(RunStatus.RUNNING);
            // and the engine's next part, in another process, carries on and ends it
            store.onEvent(new Event.RunFinished("engine-run", java.time.Instant.now(), RunStatus.SUCCEEDED, "completed", "done", 2, 20, 10, 0.02));
            assertThat(store.get("engine-run").orElseThrow().status()).isEqualTo(RunStatus.SUCCEEDED);
        }
    }

    /** What a worker on the engine records of a call that waits for a person: every store on the database lists it. */
    @Test
    void approvalsOfRunsOnTheEngineAreListedWhileTheyWaitAndKeepHowTheyWereSettled() {
        try (var worker = place().open(); var server = place().open()) {
            StoreWriterMain.writeRun(worker, "asks", 1, false);
            StoreWriterMain.writeRun(worker, "other", 1, false);
            var now = Instant.now();
            var key = "sk-proj-Ab3dEfGhIjKlMnOpQrStUvWxYz_0123456789";
            worker.approvalWaiting("asks", "2:0", "write_file", "out.txt", "{\"content\": \"" + key + "\"}", now, now.plusSeconds(300));
            worker.approvalWaiting("other", "1:1", "run_shell", "ls", "{}", now.plusMillis(5), now.plusSeconds(300));
            worker.approvalWaiting("other", "1:0", "run_shell", "gone", "{}", now.minusSeconds(400), now.minusSeconds(100));

            var waiting = server.approvalsWaiting(now);
            assertThat(waiting).extracting(RunStoreTest::key).containsExactly("asks 2:0", "other 1:1"); // not the expired one
            assertThat(waiting.get(0).tool()).isEqualTo("write_file");
            assertThat(waiting.get(0).subject()).isEqualTo("out.txt");
            assertThat(waiting.get(0).arguments()).doesNotContain(key);
            assertThat(waiting.get(0).expiresAt()).isEqualTo(now.plusSeconds(300));
            assertThat(waiting.get(0).settled()).isNull();

            worker.approvalSettled("asks", "2:0", "{\"allow\":true}");
            worker.approvalSettled("asks", "2:0", "{\"allow\":false}"); // settled once: a retried part does not change it
            assertThat(server.approvalsWaiting(now)).extracting(RunStoreTest::key).containsExactly("other 1:1");
            var settled = server.approval("asks", "2:0").orElseThrow();
            assertThat(settled.settled()).isEqualTo("{\"allow\":true}");
            assertThat(settled.subject()).isNull();
            assertThat(settled.arguments()).isNull();

            // asked again (after a crash): it waits again
            worker.approvalWaiting("asks", "2:0", "write_file", "out.txt", "{}", now.plusSeconds(1), now.plusSeconds(301));
            assertThat(server.approvalsWaiting(now)).extracting(RunStoreTest::key).containsExactly("other 1:1", "asks 2:0");

            // a run that ended (cancelled while it waited) lists nothing, whatever its rows say
            worker.approvalsSettled("asks", "{\"ended\":true}");
            assertThat(server.approval("asks", "2:0").orElseThrow().settled()).isEqualTo("{\"ended\":true}");
            worker.onEvent(new Event.RunFinished("other", Instant.now(), RunStatus.CANCELLED, "cancelled", null, 1, 10, 5, 0.01));
            assertThat(server.approvalsWaiting(now)).isEmpty();
            assertThat(server.approval("nobody", "1:0")).isEmpty();
        }
    }

    private static String key(RunStore.EngineApproval a) {
        return a.runId() + " " + a.id();
    }

    @Test
    void aRunningRunOfALiveProcessStaysRunning() {
        try (var store = place().open()) {
            StoreWriterMain.writeRun(store, "mine", 1, false);
            store.markInterrupted();
            assertThat(store.get("mine").orElseThrow().status()).isEqualTo(RunStatus.RUNNING);
        }
    }
    /** Reads go beside the writer (WAL readers on SQLite, pool connections on PostgreSQL): they never wait for a commit. */
    @Test
    void readsDoNotWaitForAWriteInProgressAndSeeOnlyWhatWasCommitted() throws Exception {
        try (var store = place().open()) {
            StoreWriterMain.writeRun(store, "r1", 2, true);
            var inWrite = new java.util.concurrent.CountDownLatch(1);
            var release = new java.util.concurrent.CountDownLatch(1);
            var writer = Thread.ofVirtual().start(() -> store.write(() -> {
                inWrite.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "hold the writer's lock"));
            inWrite.await();
            try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
                // with the lock held by the writer these would block until it is released, which happens only after them
                var got = pool.submit(() -> store.get("r1").orElseThrow());
                var events = pool.submit(() -> store.eventsAfter("r1", 0, 100));
                var listed = pool.submit(() -> store.list(10));
                assertThat(got.get(60, TimeUnit.SECONDS).id()).isEqualTo("r1");
                assertThat(events.get(60, TimeUnit.SECONDS)).isNotEmpty();
                assertThat(listed.get(60, TimeUnit.SECONDS)).extracting(RunRecord::id).containsExactly("r1");
            } finally {
                release.countDown();
                writer.join();
            }
            // a read right after a commit sees it (the readers are not stale snapshots)
            long before = store.eventsAfter("r1", 0, 100).size();
            store.append(new Event.Feedback("r1", Instant.now(), "good", null, null, "me", null, null));
            assertThat(store.eventsAfter("r1", 0, 100)).hasSize((int) before + 1);
        }
    }
}
