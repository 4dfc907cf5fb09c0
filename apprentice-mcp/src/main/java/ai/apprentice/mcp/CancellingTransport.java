package ai.apprentice.mcp;

import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;
import reactor.core.publisher.Mono;

/**
 * A client transport that remembers the JSON-RPC id of each {@code tools/call} by its progress token, so that a call
 * given up on (the run was cancelled) can be cancelled at the server with {@code notifications/cancelled}: the SDK's
 * client neither sends it nor tells us the id. It also shows the server's requests to {@code inbound} before the SDK
 * handles them (which answers a method the client did not declare with a JSON-RPC error).
 */
final class CancellingTransport implements McpClientTransport {
    private final McpClientTransport delegate;
    private final Consumer<McpSchema.JSONRPCRequest> inbound;
    private final Map<Object, Object> idsByToken = new ConcurrentHashMap<>();
    private final java.util.concurrent.locks.ReentrantLock sending = new java.util.concurrent.locks.ReentrantLock();

    CancellingTransport(McpClientTransport delegate) {
        this(delegate, request -> { });
    }

    CancellingTransport(McpClientTransport delegate, Consumer<McpSchema.JSONRPCRequest> inbound) {
        this.delegate = delegate;
        this.inbound = inbound;
    }

    @Override
    public Mono<Void> sendMessage(McpSchema.JSONRPCMessage message) {
        if (message instanceof McpSchema.JSONRPCRequest r && r.params() instanceof McpSchema.CallToolRequest c && c.progressToken() != null) {
            idsByToken.put(c.progressToken(), r.id());
        }
        // One send at a time: the SDK's stdio transport enqueues at once, retrying a contended enqueue for only 100 ms
        // (busyLooping), and under load 400 parallel calls saw "Failed to enqueue message" (McpClientTest, in CI)
        sending.lock();
        try {
            return delegate.sendMessage(message);
        } finally {
            sending.unlock();
        }
    }

    /** Tells the server to stop the call with this progress token; false when no such call was sent. */
    boolean cancel(Object progressToken, String reason) {
        var id = idsByToken.remove(progressToken);
        if (id == null) return false;
        sendMessage(new McpSchema.JSONRPCNotification(McpSchema.JSONRPC_VERSION, "notifications/cancelled",
                Map.of("requestId", id, "reason", reason))).block(java.time.Duration.ofSeconds(5));
        return true;
    }

    /** The call ended: its id is no longer needed. */
    void done(Object progressToken) {
        idsByToken.remove(progressToken);
    }

    @Override
    public Mono<Void> connect(Function<Mono<McpSchema.JSONRPCMessage>, Mono<McpSchema.JSONRPCMessage>> handler) {
        return delegate.connect(in -> handler.apply(in.doOnNext(m -> {
            if (m instanceof McpSchema.JSONRPCRequest r) {
                try {
                    inbound.accept(r);
                } catch (RuntimeException ignored) {
                    // only a display: the SDK still answers the request
                }
            }
        })));
    }

    @Override
    public void setExceptionHandler(Consumer<Throwable> handler) {
        delegate.setExceptionHandler(handler);
    }

    @Override
    public Mono<Void> closeGracefully() {
        return delegate.closeGracefully();
    }

    @Override
    public void close() {
        delegate.close();
    }

    @Override
    public <T> T unmarshalFrom(Object data, TypeRef<T> typeRef) {
        return delegate.unmarshalFrom(data, typeRef);
    }

    @Override
    public List<String> protocolVersions() {
        return delegate.protocolVersions();
    }
}
