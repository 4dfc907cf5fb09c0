package ai.apprentice.testkit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A mock of the OpenAI Responses API (streaming), at {@code baseUrl()/responses}. Every reply starts with a
 * reasoning item, as a reasoning model's does: a summary streamed as {@code response.reasoning_summary_text.delta}
 * and, when the request asks for {@code reasoning.encrypted_content}, an opaque {@code encrypted_content} that names
 * the response, so that a test can check it comes back unchanged.
 */
public final class MockOpenAiResponsesServer extends MockServer {
    private final AtomicInteger responses = new AtomicInteger();

    public MockOpenAiResponsesServer() {
        super("/v1/responses");
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port() + "/v1";
    }

    /** The encrypted reasoning this server sends in its {@code n}-th response (1-based). */
    public static String encrypted(int n) {
        return "gAAAAB-mock-encrypted-reasoning-" + n + "==";
    }

    private static ObjectNode event(String type) {
        return JSON.createObjectNode().put("type", type);
    }

    @Override
    protected void stream(MockReply reply, Request request, OutputStream out) throws IOException {
        int n = responses.incrementAndGet();
        boolean encrypted = request.body().path("include").toString().contains("reasoning.encrypted_content");
        var created = event("response.created");
        created.putObject("response").put("id", "resp_" + n).put("status", "in_progress");
        send(out, "response.created", created);
        int index = 0;
        var reasoning = JSON.createObjectNode().put("id", "rs_" + n).put("type", "reasoning");
        reasoning.putArray("summary").addObject().put("type", "summary_text").put("text", "Thinking about step " + n + ".");
        if (encrypted) reasoning.put("encrypted_content", encrypted(n));
        var delta = event("response.reasoning_summary_text.delta").put("item_id", "rs_" + n).put("output_index", index)
                .put("summary_index", 0).put("delta", "Thinking about step " + n + ".");
        send(out, "response.reasoning_summary_text.delta", delta);
        done(out, index++, reasoning);
        switch (reply) {
            case MockReply.Text t -> {
                for (var piece : pieces(t.text(), 3)) {
                    send(out, "response.output_text.delta", event("response.output_text.delta").put("item_id", "msg_" + n)
                            .put("output_index", index).put("content_index", 0).put("delta", piece));
                }
                var msg = JSON.createObjectNode().put("id", "msg_" + n).put("type", "message").put("role", "assistant").put("status", "completed");
                msg.putArray("content").addObject().put("type", "output_text").put("text", t.text());
                done(out, index, msg);
                completed(out, n, request, t.inputTokens(), t.outputTokens());
            }
            case MockReply.ToolCalls tc -> {
                for (int i = 0; i < tc.calls().size(); i++) {
                    var call = tc.calls().get(i);
                    send(out, "response.function_call_arguments.delta", event("response.function_call_arguments.delta")
                            .put("item_id", "fc_" + n + "_" + i).put("output_index", index).put("delta", call.arguments()));
                    done(out, index++, JSON.createObjectNode().put("id", "fc_" + n + "_" + i).put("type", "function_call").put("status", "completed")
                            .put("call_id", "call_" + n + "_" + i).put("name", call.name()).put("arguments", call.arguments()));
                }
                completed(out, n, request, 20, 10);
            }
            case MockReply.Cut cut -> send(out, "response.output_text.delta", event("response.output_text.delta").put("delta", cut.partial()));
            default -> throw new IllegalStateException("not a streamed reply: " + reply);
        }
    }

    private static void done(OutputStream out, int index, ObjectNode item) throws IOException {
        var e = event("response.output_item.done").put("output_index", index);
        e.set("item", item);
        send(out, "response.output_item.done", e);
    }

    private void completed(OutputStream out, int n, Request request, long in, long outTokens) throws IOException {
        long cached = 0;
        if (cache() != null) {
            var split = cache().openAi(request.body());
            in = split.total();
            cached = split.cacheRead();
        }
        var e = event("response.completed");
        var usage = e.putObject("response").put("id", "resp_" + n).put("status", "completed").putObject("usage")
                .put("input_tokens", in).put("output_tokens", outTokens + 7).put("total_tokens", in + outTokens + 7);
        usage.putObject("input_tokens_details").put("cached_tokens", cached);
        usage.putObject("output_tokens_details").put("reasoning_tokens", 7);
        send(out, "response.completed", e);
    }
}
