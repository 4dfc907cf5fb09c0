package ai.apprentice.server;

/** A request the API refuses: answered with {@code status} and a JSON body {@code {"error": {"status", "code", "message"}}}. */
public final class ApiException extends RuntimeException {
    final int status;
    final String code;

    ApiException(int status, String code, String message) {
        super(message);
        this.status = status;
        this.code = code;
    }

    /** The HTTP status this refusal is answered with. */
    public int status() { return status; }

    /** The error's code in the JSON body ({@code forbidden}, {@code conflict}, ...). */
    public String code() { return code; }

    static ApiException badRequest(String message) { return new ApiException(400, "bad_request", message); }
    static ApiException unauthorized(String message) { return new ApiException(401, "unauthorized", message); }
    static ApiException forbidden(String message) { return new ApiException(403, "forbidden", message); }
    static ApiException notFound(String message) { return new ApiException(404, "not_found", message); }
    static ApiException conflict(String message) { return new ApiException(409, "conflict", message); }
    static ApiException tooLarge(String message) { return new ApiException(413, "too_large", message); }
    static ApiException unprocessable(String message) { return new ApiException(422, "invalid", message); }
}
