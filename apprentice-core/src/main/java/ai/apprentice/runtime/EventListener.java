package ai.apprentice.runtime;

/**
 * Receives a run's events in order. All events of one run are delivered on that run's own thread, one at a
 * time, also those about tool calls that run in parallel (permission decisions are made on the run's thread
 * before the calls start), so a listener needs no locking for one run. Events of different runs (a parent and
 * its children) may arrive on different threads at the same time.
 */
@FunctionalInterface
public interface EventListener {
    void onEvent(Event event);
}
