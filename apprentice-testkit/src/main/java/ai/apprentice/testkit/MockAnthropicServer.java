package ai.apprentice.testkit;

import java.io.IOException;
import java.io.OutputStream;

/** A mock of the Anthropic Messages API (streaming), at {@code baseUrl()/v1/messages}. */
public final class MockAnthropicServer extends MockServer {
    public MockAnthropicServer() {
        super("/v1/messages");
    }

    /** Reply with {@code new MockReply.Cut(OVERLOADED)} to send an overloaded {@code error} event mid-stream. */
    public static final String OVERLOADED = "<overloaded>";

    public String baseUrl() {
        return "http://127.0.0.1:" + port();
    }

    @Override
    protected void stream(MockReply reply, Request request, OutputStream out) throws IOException {
        long input = reply instanceof MockReply.Text t ? t.inputTokens() : 20;
        var start = JSON.createObjectNode().put("type", "message_start");
        var usage = start.putObject("message").put("id", "msg_mock").put("role", "assistant").putObject("usage");
        if (cache() != null) {
            var split = cache().anthropic(request.body());
            usage.put("input_tokens", split.uncached()).put("cache_creation_input_tokens", split.cacheWrite())
                    .put("cache_read_input_tokens", split.cacheRead());
        } else {
            usage.put("input_tokens", input);
        }
        usage.put("output_tokens", 1);
        send(out, "message_start", start);
        send(out, "ping", JSON.createObjectNode().put("type", "ping"));
        switch (reply) {
            case MockReply.Text t -> {
                textBlock(out, 0, t.text());
                end(out, "end_turn", t.outputTokens());
            }
            case MockReply.ToolCalls tc -> {
                int index = 0;
                if (!tc.text().isEmpty()) textBlock(out, index++, tc.text());
                for (var call : tc.calls()) {
                    var s = JSON.createObjectNode().put("type", "content_block_start").put("index", index);
                    s.putObject("content_block").put("type", "tool_use").put("id", "toolu_mock_" + index).put("name", call.name()).putObject("input");
                    send(out, "content_block_start", s);
                    for (var piece : pieces(call.arguments(), 3)) {
                        var d = JSON.createObjectNode().put("type", "content_block_delta").put("index", index);
                        d.putObject("delta").put("type", "input_json_delta").put("partial_json", piece);
                        send(out, "content_block_delta", d);
                    }
                    send(out, "content_block_stop", JSON.createObjectNode().put("type", "content_block_stop").put("index", index));
                    index++;
                }
                end(out, "tool_use", 15);
            }
            case MockReply.Cut cut when cut.partial().equals(OVERLOADED) -> {
                var e = JSON.createObjectNode().put("type", "error");
                e.putObject("error").put("type", "overloaded_error").put("message", "Overloaded");
                send(out, "error", e);
            }
            case MockReply.Cut cut -> {
                var s = JSON.createObjectNode().put("type", "content_block_start").put("index", 0);
                s.putObject("content_block").put("type", "text").put("text", "");
                send(out, "content_block_start", s);
                var d = JSON.createObjectNode().put("type", "content_block_delta").put("index", 0);
                d.putObject("delta").put("type", "text_delta").put("text", cut.partial());
                send(out, "content_block_delta", d);
            }
            default -> throw new IllegalStateException("not a streamed reply: " + reply);
        }
    }

    private static void textBlock(OutputStream out, int index, String text) throws IOException {
        var s = JSON.createObjectNode().put("type", "content_block_start").put("index", index);
        s.putObject("content_block").put("type", "text").put("text", "");
        send(out, "content_block_start", s);
        for (var piece : pieces(text, 3)) {
            var d = JSON.createObjectNode().put("type", "content_block_delta").put("index", index);
            d.putObject("delta").put("type", "text_delta").put("text", piece);
            send(out, "content_block_delta", d);
        }
        send(out, "content_block_stop", JSON.createObjectNode().put("type", "content_block_stop").put("index", index));
    }

    private static void end(OutputStream out, String stopReason, long outputTokens) throws IOException {
        var md = JSON.createObjectNode().put("type", "message_delta");
        md.putObject("delta").put("stop_reason", stopReason);
        md.putObject("usage").put("output_tokens", outputTokens);
        send(out, "message_delta", md);
        send(out, "message_stop", JSON.createObjectNode().put("type", "message_stop"));
    }
}
