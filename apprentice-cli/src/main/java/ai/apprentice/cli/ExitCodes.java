package ai.apprentice.cli;

import ai.apprentice.runtime.RunStatus;

/** The CLI's exit codes, part of its contract. */
final class ExitCodes {
    static final int OK = 0;
    static final int RUN_FAILED = 1;
    static final int USAGE = 2;
    static final int INTERRUPTED = 130;

    private ExitCodes() {}

    static int of(RunStatus status) {
        return switch (status) {
            case SUCCEEDED -> OK;
            case CANCELLED, INTERRUPTED -> INTERRUPTED;
            case FAILED, RUNNING -> RUN_FAILED;
        };
    }
}
