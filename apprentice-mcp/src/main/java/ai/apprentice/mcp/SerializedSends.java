package ai.apprentice.mcp;

import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import reactor.core.publisher.Mono;

/**
 * A client transport whose sends never race. The SDK's stdio transport (0.16) enqueues with {@code tryEmitNext}
 * on a unicast sink, and when two threads send at once (our request, and the SDK answering a server request or
 * reacting to a tools/list_changed notification) the loser fails with "Failed to enqueue message"
 * (modelcontextprotocol/java-sdk#304, #875). The enqueue happens eagerly inside {@code sendMessage}, so one lock
 * around the call serialises the emitters.
 */
final class SerializedSends implements McpClientTransport {
    private final McpClientTransport delegate;

    SerializedSends(McpClientTransport delegate) {
        this.delegate = delegate;
    }

    @Override
    public synchronized Mono<Void> sendMessage(McpSchema.JSONRPCMessage message) {
        return delegate.sendMessage(message);
    }

    @Override
    public Mono<Void> connect(Function<Mono<McpSchema.JSONRPCMessage>, Mono<McpSchema.JSONRPCMessage>> handler) {
        return delegate.connect(handler);
    }

    @Override
    public void setExceptionHandler(Consumer<Throwable> handler) {
        delegate.setExceptionHandler(handler);
    }

    @Override
    public void close() {
        delegate.close();
    }

    @Override
    public Mono<Void> closeGracefully() {
        return delegate.closeGracefully();
    }

    @Override
    public <T> T unmarshalFrom(Object data, TypeRef<T> type) {
        return delegate.unmarshalFrom(data, type);
    }

    @Override
    public List<String> protocolVersions() {
        return delegate.protocolVersions();
    }
}
