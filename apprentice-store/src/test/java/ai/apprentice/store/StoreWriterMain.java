package ai.apprentice.store;

import ai.apprentice.model.Message;
import ai.apprentice.runtime.Event;
import ai.apprentice.runtime.RunStatus;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/** A second process for the store tests: writes runs, or starts one and hangs until killed. */
public final class StoreWriterMain {
    public static void main(String[] args) throws Exception {
        String location = args[0]; // a SQLite file, or a PostgreSQL URL (the password in PGPASSWORD)
        String mode = args[1];
        String prefix = args[2];
        int count = Integer.parseInt(args[3]);
        var pg = Database.isPostgresql(location) ? Database.connect(location, System.getenv("PGPASSWORD"), "store") : null;
        try (pg; var store = pg == null ? RunStore.open(Path.of(location)) : RunStore.open(pg)) {
            if (mode.equals("write")) {
                for (int i = 0; i < count; i++) writeRun(store, prefix + "-" + i, 5, true);
            } else {
                writeRun(store, prefix, count, false);
                if (mode.equals("hang-engine")) store.heldByEngine(prefix); // a worker that began an engine's run
                System.out.println("READY");
                System.out.flush();
                Thread.sleep(600_000);
            }
        }
    }

    static void writeRun(RunStore store, String id, int steps, boolean finish) {
        var now = Instant.now();
        store.onEvent(new Event.RunStarted(id, now, "task " + id, "scripted:x", null, "/tmp", List.of(Message.user("task " + id))));
        for (int s = 1; s <= steps; s++) {
            store.onEvent(new Event.UsageEvent(id, Instant.now(), s, 10, 5, 0.01, 10L * s, 5L * s, 0.01 * s));
            store.onEvent(new Event.StepCompleted(id, Instant.now(), s, List.of(Message.assistant("step " + s))));
        }
        if (finish) {
            store.onEvent(new Event.RunFinished(id, Instant.now(), RunStatus.SUCCEEDED, "completed", "done", steps, 10L * steps, 5L * steps, 0.01 * steps));
        }
    }
}
