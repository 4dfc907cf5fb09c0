package ai.apprentice.runtime;

/** Receives a run's events in order, on the run's thread. */
@FunctionalInterface
public interface EventListener {
    void onEvent(Event event);
}
