package ai.apprentice.testkit;

import java.util.List;

/** What a mock model server answers to one request. */
public sealed interface MockReply {
    /** Streamed text in a few pieces, then usage. */
    record Text(String text, long inputTokens, long outputTokens) implements MockReply {}

    /** One or more tool calls (parallel), arguments streamed in pieces; {@code arguments} may be malformed JSON. */
    record ToolCalls(String text, List<Call> calls) implements MockReply {}

    record Call(String name, String arguments) {}

    /** An HTTP error status, with an optional Retry-After header value and body. */
    record Status(int code, String retryAfter, String body) implements MockReply {}

    /** Headers are never sent: the client waits until its timeout. */
    record Hang() implements MockReply {}

    /** The stream starts with {@code partial} text, then ends without completing. */
    record Cut(String partial) implements MockReply {}

    /** Server-sent events exactly as given, for wire details the other replies do not cover (thinking blocks, say). */
    record Raw(List<Sse> events) implements MockReply {}

    /** One server-sent event: its {@code event:} name (null for none) and its {@code data:} text. */
    record Sse(String event, String data) {}

    public static Text text(String text) {
        return new Text(text, 12, Math.max(1, text.length() / 4));
    }

    public static ToolCalls toolCalls(Call... calls) {
        return new ToolCalls("", List.of(calls));
    }

    public static Call call(String name, String arguments) {
        return new Call(name, arguments);
    }

    public static Status status(int code, String retryAfter, String body) {
        return new Status(code, retryAfter, body);
    }

    public static Hang hang() {
        return new Hang();
    }

    public static Cut cut(String partial) {
        return new Cut(partial);
    }

    public static Raw raw(Sse... events) {
        return new Raw(List.of(events));
    }

    public static Sse sse(String event, String data) {
        return new Sse(event, data);
    }
}
