package ai.apprentice.cli;

import sun.misc.Signal;
import sun.misc.SignalHandler;

/** Ctrl-C (SIGINT) handling: cancel the current step instead of killing the process. */
final class Interrupts {
    private Interrupts() {}

    /** Installs {@code action} for SIGINT; returns what restores the previous handler. */
    static Runnable onInterrupt(Runnable action) {
        try {
            SignalHandler previous = Signal.handle(new Signal("INT"), sig -> action.run());
            return () -> Signal.handle(new Signal("INT"), previous);
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            return () -> { }; // no signals here (e.g. some embedded JVMs): Ctrl-C ends the process as usual
        }
    }
}
