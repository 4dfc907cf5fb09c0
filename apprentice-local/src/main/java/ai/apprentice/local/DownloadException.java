package ai.apprentice.local;

import java.io.IOException;

/** A download that cannot succeed as asked (not found, refused, damaged, no room); the message says what to do. */
public final class DownloadException extends IOException {
    public DownloadException(String message) {
        super(message);
    }
}
