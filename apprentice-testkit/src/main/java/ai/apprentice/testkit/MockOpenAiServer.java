package ai.apprentice.testkit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;

/** A mock of the OpenAI Chat Completions API (streaming), at {@code baseUrl()/chat/completions}. */
public final class MockOpenAiServer extends MockServer {
    public MockOpenAiServer() {
        super("/v1/chat/completions");
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port() + "/v1";
    }

    private static ObjectNode chunk() {
        var c = JSON.createObjectNode().put("id", "chatcmpl-mock").put("object", "chat.completion.chunk").put("model", "mock");
        c.putArray("choices");
        return c;
    }

    private static ObjectNode choice(ObjectNode chunk) {
        return chunk.withArray("choices").addObject().put("index", 0);
    }

    @Override
    protected void stream(MockReply reply, Request request, OutputStream out) throws IOException {
        var split = cache() == null ? null : cache().openAi(request.body());
        switch (reply) {
            case MockReply.Text t -> {
                for (var piece : pieces(t.text(), 3)) {
                    var c = chunk();
                    choice(c).putObject("delta").put("content", piece);
                    send(out, null, c);
                }
                finish(out, "stop", t.inputTokens(), t.outputTokens(), split);
            }
            case MockReply.ToolCalls tc -> {
                if (!tc.text().isEmpty()) {
                    var c = chunk();
                    choice(c).putObject("delta").put("content", tc.text());
                    send(out, null, c);
                }
                for (int i = 0; i < tc.calls().size(); i++) {
                    var call = tc.calls().get(i);
                    var c = chunk();
                    var first = choice(c).putObject("delta").putArray("tool_calls").addObject();
                    first.put("index", i).put("id", "call_mock_" + i).put("type", "function")
                            .putObject("function").put("name", call.name()).put("arguments", "");
                    send(out, null, c);
                    for (var piece : pieces(call.arguments(), 3)) {
                        var d = chunk();
                        choice(d).putObject("delta").putArray("tool_calls").addObject().put("index", i)
                                .putObject("function").put("arguments", piece);
                        send(out, null, d);
                    }
                }
                finish(out, "tool_calls", 20, 10, split);
            }
            case MockReply.Cut cut -> {
                var c = chunk();
                choice(c).putObject("delta").put("content", cut.partial());
                send(out, null, c);
                // the connection ends here: no finish_reason, no [DONE]
            }
            default -> throw new IllegalStateException("not a streamed reply: " + reply);
        }
    }

    /** The finish chunk, then usage: with a simulated cache, the request's own size and its cached part. */
    private static void finish(OutputStream out, String reason, long in, long outTokens, PromptCache.Split split) throws IOException {
        var c = chunk();
        choice(c).put("finish_reason", reason).putObject("delta");
        send(out, null, c);
        var usage = chunk();
        if (split != null) in = split.total();
        var u = usage.putObject("usage").put("prompt_tokens", in).put("completion_tokens", outTokens).put("total_tokens", in + outTokens);
        if (split != null) u.putObject("prompt_tokens_details").put("cached_tokens", split.cacheRead());
        send(out, null, usage);
        send(out, null, "[DONE]");
    }
}
