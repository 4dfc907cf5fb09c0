package ai.apprentice.channels;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One channel of the {@code channels:} section of {@code $APPRENTICE_HOME/config.yaml}: which platform, its settings
 * (secrets are named as environment variables, never written in the file), the workspace its runs work in (under the
 * server's root), who may start runs and answer approvals, the permission profile of its runs, and whose memory they use.
 * <pre>
 * channels:
 *   slack:
 *     signing_secret_env: SLACK_SIGNING_SECRET
 *     bot_token_env: SLACK_BOT_TOKEN
 *     api_base_url: https://slack.com/api/      # default
 *     workspace: proj                            # under the server's --root
 *     allow: {users: [U123], channels: [C456]}
 *     approvers: [U123]                          # default: allow.users
 *     profile: {approve: ask, max_cost_usd: 0.5, daily_cost_usd: 5}
 *     memory: person                             # person | team | workspace
 *     show_reasoning: false                      # default: a reasoning model's thinking never reaches the chat
 * </pre>
 *
 * @param name        the key under {@code channels:}; also the platform unless {@code platform:} says otherwise
 * @param settings    the platform's own keys, as text ({@code signing_secret_env}, {@code api_base_url}, {@code mode}, ...)
 * @param allowUsers  people who may start runs ({@code *} for anyone the platform delivers)
 * @param allowChannels channels where the intern answers (empty: any); direct messages are allowed to allowed people
 * @param allowTeams  teams (workspaces, tenants) whose deliveries are taken (empty: any)
 * @param approvers   people who may answer approvals ({@code *}: anyone allowed); default: {@code allowUsers}
 * @param profile     settings of the channel's runs (config keys: approve, max_steps, max_cost_usd, timeout, permissions.*)
 * @param dailyCostUsd what one person's runs of this channel may cost in a UTC day, 0 for no limit
 * @param memory      person, team or workspace: where the runs' memories are stored (they recall from all three)
 * @param showReasoning whether an answer is preceded by the reasoning that led to it (default false: never shown)
 */
public record ChannelConfig(String name, String platform, Map<String, String> settings, String workspace, Set<String> allowUsers,
                            Set<String> allowChannels, Set<String> allowTeams, Set<String> approvers, Map<String, Object> profile,
                            double dailyCostUsd, String memory, long maxAttachmentBytes, boolean showReasoning) {
    /** A channel that does not show reasoning. */
    public ChannelConfig(String name, String platform, Map<String, String> settings, String workspace, Set<String> allowUsers,
                         Set<String> allowChannels, Set<String> allowTeams, Set<String> approvers, Map<String, Object> profile,
                         double dailyCostUsd, String memory, long maxAttachmentBytes) {
        this(name, platform, settings, workspace, allowUsers, allowChannels, allowTeams, approvers, profile, dailyCostUsd, memory,
                maxAttachmentBytes, false);
    }

    public ChannelConfig {
        settings = Map.copyOf(settings);
        allowUsers = Set.copyOf(allowUsers);
        allowChannels = Set.copyOf(allowChannels);
        allowTeams = Set.copyOf(allowTeams);
        approvers = Set.copyOf(approvers);
        profile = Map.copyOf(profile);
    }

    public static final List<String> MEMORY = List.of("person", "team", "workspace");

    /** A platform setting, or {@code fallback}. */
    public String setting(String key, String fallback) {
        return settings.getOrDefault(key, fallback);
    }

    /**
     * The secret in the environment variable that setting {@code key} ({@code signing_secret_env}) names.
     *
     * @throws ChatException naming the setting and the variable when either is missing
     */
    public String secret(String key, Map<String, String> env) throws ChatException {
        var var = settings.get(key);
        if (var == null || var.isBlank()) throw new ChatException("channels." + name + "." + key + " is not set: name the environment variable that holds it");
        var value = env.get(var);
        if (value == null || value.isBlank()) {
            throw new ChatException("channels." + name + "." + key + " names " + var + ", which is not set in the server's environment");
        }
        return value;
    }

    /**
     * The platform's base URL that setting {@code key} ({@code api_base_url}) gives, or {@code fallback}, with a
     * trailing slash so that API paths resolve under it.
     *
     * @throws ChatException naming the setting when it is not an http(s) URL
     */
    public java.net.URI baseUrl(String key, String fallback) throws ChatException {
        var url = setting(key, fallback);
        try {
            var u = java.net.URI.create(url.endsWith("/") ? url : url + "/");
            if (!"https".equals(u.getScheme()) && !"http".equals(u.getScheme()) || u.getHost() == null) throw new IllegalArgumentException();
            return u;
        } catch (IllegalArgumentException e) {
            throw new ChatException("channels." + name + "." + key + " must be an http(s) URL, not " + url);
        }
    }

    public boolean mayStart(ChatEvent.Message m) {
        return mayAsk(m.from(), m.place(), m.direct());
    }

    /** Whether {@code p} may ask the intern for things (start runs, judge answers) at {@code place}. */
    public boolean mayAsk(ChatEvent.Person p, ChatEvent.Place place, boolean direct) {
        if (!allowTeams.isEmpty() && !allowTeams.contains(place.team())) return false;
        if (!direct && !allowChannels.isEmpty() && !allowChannels.contains(place.channel())) return false;
        return allowUsers.contains("*") || allowUsers.contains(p.id());
    }

    public boolean mayApprove(ChatEvent.Person p) {
        var who = approvers.isEmpty() ? allowUsers : approvers;
        return who.contains("*") ? allowUsers.contains("*") || allowUsers.contains(p.id()) : who.contains(p.id());
    }
}
