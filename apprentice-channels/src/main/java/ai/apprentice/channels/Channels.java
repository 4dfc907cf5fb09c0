package ai.apprentice.channels;

import ai.apprentice.server.AgentService;
import ai.apprentice.server.ApprenticeServer;
import ai.apprentice.server.ServerExtension;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The team chat as part of {@code apprentice serve}: one {@link Intern} per channel of the config, each reached at
 * {@code POST /channels/NAME/events} and, where configured, over the platform's long connection.
 */
public final class Channels implements ServerExtension {
    /** Builds a platform from its channel's config (the server's environment holds the secrets). */
    @FunctionalInterface
    public interface PlatformFactory {
        ChatPlatform create(ChannelConfig config, Map<String, String> env) throws ChatException;
    }

    private final List<ChannelConfig> configs;
    private final Map<String, String> env;
    private final PlatformFactory factory;
    private final PrintStream log;
    private final List<Intern> interns = new ArrayList<>();
    private ChannelsDb db;

    public Channels(List<ChannelConfig> configs, Map<String, String> env, PlatformFactory factory, PrintStream log) {
        this.configs = List.copyOf(configs);
        this.env = Map.copyOf(env);
        this.factory = factory;
        this.log = log;
    }

    /** The channels of {@code home}'s config, with the platforms this apprentice has. */
    public static Channels fromConfig(Path home, Map<String, String> env, PrintStream log) throws ChatException {
        return new Channels(ChannelsConfig.load(home), env, Platforms::create, log);
    }

    /** The platform of one channel, with its secrets from {@code env} (what {@code apprentice channels test} checks). */
    public static ChatPlatform platform(ChannelConfig config, Map<String, String> env) throws ChatException {
        return Platforms.create(config, env);
    }

    public List<ChannelConfig> configs() {
        return configs;
    }

    @Override
    public void started(ApprenticeServer server) {
        if (configs.isEmpty()) return;
        AgentService agents = server.agents();
        db = new ChannelsDb(agents.harness());
        for (var c : configs) {
            ChatPlatform platform;
            try {
                agents.workspace(c.workspace()); // outside the root or protected: said now, not at the first message
                platform = factory.create(c, env);
            } catch (ChatException | RuntimeException e) {
                throw new IllegalStateException("channels." + c.name() + ": " + e.getMessage(), e);
            }
            var intern = new Intern(agents, c, platform, db, log);
            interns.add(intern);
            server.mount("/channels/" + c.name() + "/events", intern::deliver);
            try {
                if (platform.connect(intern::accept)) log.println("channel " + c.name() + ": connected over " + c.platform() + "'s long connection");
            } catch (ChatException e) {
                log.println("channel " + c.name() + ": the long connection failed (" + agents.redact(e.getMessage()) + "); HTTP deliveries still work");
            }
            log.println("channel " + c.name() + ": " + c.platform() + " deliveries at " + server.url() + "/channels/" + c.name() + "/events");
        }
    }

    /** The intern of channel {@code name}, once started. */
    public java.util.Optional<Intern> intern(String name) {
        return interns.stream().filter(i -> i.config().name().equals(name)).findFirst();
    }

    @Override
    public void close() {
        for (var i : interns) {
            i.close();
            try {
                i.platform().close();
            } catch (RuntimeException e) {
                // closing
            }
        }
        if (db != null) db.close();
    }
}
