package ai.apprentice.channels;

import ai.apprentice.server.Inbound;
import java.util.List;
import java.util.function.Consumer;

/**
 * One chat platform, as the intern needs it: deliveries in (HTTP events, verified as the platform documents, or a long
 * connection for teams without a public URL), messages out (post, update, files). Each platform is a small class over
 * its official SDK or its documented protocol; everything else (who may ask, runs, approvals, feedback, redaction) is
 * the {@link Intern}'s and is the same for all of them.
 */
public interface ChatPlatform extends AutoCloseable {
    /** The platform's name in config and routes: slack, feishu, dingtalk, wecom, webhook. */
    String name();

    /**
     * What one HTTP delivery said, or why it is refused: a bad or missing signature is 401, an expired timestamp 401,
     * a malformed body 400. {@code response} is what the platform must be answered (a URL-verification challenge, an
     * empty 200); {@code events} what the intern acts on.
     */
    record Received(Inbound.Response response, List<ChatEvent> events, String refusal) {
        public static Received events(List<ChatEvent> events) {
            return new Received(Inbound.Response.ok(), events, null);
        }

        public static Received answer(Inbound.Response response) {
            return new Received(response, List.of(), null);
        }

        public static Received refused(int status, String reason) {
            return new Received(Inbound.Response.error(status, status == 401 ? "bad_signature" : "bad_request", reason), List.of(), reason);
        }
    }

    /** Verifies and reads one HTTP delivery. Never throws for bad input: it is refused with a reason. */
    Received receive(Inbound.Request request);

    /**
     * Opens the platform's long connection (Slack Socket Mode, Feishu long connection, DingTalk Stream mode) when the
     * configuration asks for it, delivering events to {@code sink}; false when the platform has none or it is not
     * configured. Reconnects on its own until {@link #close()}.
     */
    default boolean connect(Consumer<ChatEvent> sink) throws ChatException {
        return false;
    }

    /** Posts {@code message} at {@code place} (in its thread when it has one); returns the new message's reference. */
    String post(ChatEvent.Place place, Outgoing message) throws ChatException;

    /** Replaces the text and buttons of a message the intern posted; a platform that cannot edit posts anew. */
    default void update(ChatEvent.Place place, String messageRef, Outgoing message) throws ChatException {
        post(place, message);
    }

    /** Attaches a file (a long answer) at {@code place}; a platform without files posts its text in parts. */
    default void upload(ChatEvent.Place place, String filename, String content, String comment) throws ChatException {
        post(place, Outgoing.text(comment));
        for (var part : Texts.split(content, maxMessageChars())) post(place, Outgoing.text(part));
    }

    /** The bytes of an attachment, at most {@code maxBytes} (more is refused). */
    default byte[] download(ChatEvent.Attachment attachment, long maxBytes) throws ChatException {
        throw new ChatException(name() + " attachments cannot be fetched by this intern");
    }

    /** The longest message text the platform takes. */
    int maxMessageChars();

    /** Checks credentials and connectivity, for {@code apprentice channels test}: what it found, or a ChatException saying what is wrong. */
    String check() throws ChatException;

    @Override
    default void close() {}
}
