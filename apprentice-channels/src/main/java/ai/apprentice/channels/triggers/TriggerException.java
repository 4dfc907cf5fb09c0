package ai.apprentice.channels.triggers;

/** A trigger request refused, with the HTTP status the API answers it with (the CLI prints the message). */
public final class TriggerException extends RuntimeException {
    private final int status;
    private final String code;

    public TriggerException(int status, String code, String message) {
        super(message);
        this.status = status;
        this.code = code;
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    static TriggerException invalid(String message) {
        return new TriggerException(422, "invalid", message);
    }

    static TriggerException notFound(String name) {
        return new TriggerException(404, "not_found", "No trigger '" + name + "'. See: apprentice triggers list");
    }

    static TriggerException conflict(String message) {
        return new TriggerException(409, "conflict", message);
    }
}
