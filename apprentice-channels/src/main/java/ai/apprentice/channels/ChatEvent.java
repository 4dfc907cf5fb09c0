package ai.apprentice.channels;

import java.util.List;
import java.util.Map;

/**
 * What a chat platform delivered, in the platform's terms made common: a message, or a press of one of the intern's
 * buttons. {@code eventId} is the platform's id of the delivery (retries repeat it), which deduplicates.
 */
public sealed interface ChatEvent {
    String eventId();

    Place place();

    Person from();

    /**
     * A person (or a bot) wrote in a channel or directly to the intern. {@code mentioned}: the intern was mentioned;
     * {@code direct}: a direct message. {@code text} is without the mention of the intern.
     */
    record Message(String eventId, Place place, Person from, String text, boolean direct, boolean mentioned,
                   List<Attachment> attachments) implements ChatEvent {
        public Message {
            attachments = List.copyOf(attachments);
        }
    }

    /**
     * A button of the intern's pressed: {@code action} is one of {@link Button}'s actions, {@code value} what it is
     * about (an approval's id, a run's id), {@code messageRef} the message it was on (so that it can be updated).
     */
    record Action(String eventId, Place place, Person from, String action, String value, String messageRef) implements ChatEvent {}

    /** Who wrote: the platform's id for them (unique within the platform and team), a name to show, and whether a bot. */
    record Person(String id, String name, boolean bot) {}

    /**
     * Where a conversation happens: the team (workspace, tenant, corporation), the channel (chat), and the thread
     * within it (a message's id; equal to nothing for platforms without threads). {@code reply} holds what the platform
     * needs to answer there that is not an id (a DingTalk session webhook, a response URL).
     */
    record Place(String team, String channel, String thread, Map<String, String> reply) {
        public Place {
            reply = reply == null ? Map.of() : Map.copyOf(reply);
        }

        public Place(String team, String channel, String thread) {
            this(team, channel, thread, Map.of());
        }

        /** The same place in another thread (a reply to a top-level message opens its thread). */
        public Place inThread(String thread) {
            return new Place(team, channel, thread, reply);
        }
    }

    /** A file attached to a message: its name, size when known, and where the platform serves it (fetched with the bot's credentials). */
    record Attachment(String name, long size, String url) {}
}
