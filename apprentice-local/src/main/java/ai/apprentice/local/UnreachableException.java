package ai.apprentice.local;

import java.io.IOException;

/**
 * Nothing answered at the download's host (connection refused, no such host, no route, connect timeout) before any
 * byte arrived: most likely no network, so retrying would only make the person wait. Nothing was written.
 */
public final class UnreachableException extends IOException {
    private final String host;

    public UnreachableException(String host, String reason, Throwable cause) {
        super("Cannot reach " + host + " (" + reason + ")", cause);
        this.host = host;
    }

    public String host() {
        return host;
    }
}
