package ai.apprentice.channels.triggers;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Which GitHub deliveries start a run, after "Webhook events and payloads" (docs.github.com/en/webhooks): a pull request
 * opened or reopened (not {@code synchronize}: every push would start another review), an issue opened whose title or
 * body mentions the agent, and a comment created that mentions it. A comment the agent itself posted (it carries
 * {@link #MARK}) or any bot's is never one: the answer to a mention must not start the next run.
 */
final class GitHubEvents {
    /** In every comment the triggers post: how they know their own. */
    static final String MARK = "<!-- apprentice:trigger -->";
    private static final Pattern REPO = Pattern.compile("[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}");
    private static final Set<String> PULL_ACTIONS = Set.of("opened", "reopened");

    sealed interface Decision permits Ping, Ignore, Start, Malformed {}

    record Ping() implements Decision {}

    record Ignore(String reason) implements Decision {}

    record Malformed(String reason) implements Decision {}

    /** A run to start; its answer goes to issue or pull request {@code number} of {@code repo} (owner/name). */
    record Start(String repo, long number, String summary) implements Decision {}

    private GitHubEvents() {}

    static Decision decide(String event, JsonNode payload, String mention) {
        if (event.equals("ping")) return new Ping();
        if (!payload.isObject()) return new Malformed("the payload is not a JSON object");
        var action = payload.path("action").asText("");
        return switch (event) {
            case "pull_request" -> PULL_ACTIONS.contains(action)
                    ? start(payload, payload.path("pull_request").path("number"), "pull request " + action)
                    : new Ignore("pull_request " + action + " starts nothing (opened and reopened do)");
            case "issues" -> {
                if (!action.equals("opened")) yield new Ignore("issues " + action + " starts nothing (opened does, with a mention)");
                var issue = payload.path("issue");
                if (!mentions(issue.path("title").asText("") + "\n" + issue.path("body").asText(""), mention)) {
                    yield new Ignore("the issue does not mention " + mention);
                }
                yield start(payload, issue.path("number"), "issue opened");
            }
            case "issue_comment" -> {
                if (!action.equals("created")) yield new Ignore("issue_comment " + action + " starts nothing (created does, with a mention)");
                var comment = payload.path("comment");
                var body = comment.path("body").asText("");
                if (body.contains(MARK)) yield new Ignore("the comment is one the agent posted");
                if (isBot(payload.path("sender")) || isBot(comment.path("user"))) yield new Ignore("the comment is a bot's");
                if (!mentions(body, mention)) yield new Ignore("the comment does not mention " + mention);
                yield start(payload, payload.path("issue").path("number"), "comment");
            }
            default -> new Ignore("the event " + event + " starts nothing (pull_request, issues, issue_comment and ping are handled)");
        };
    }

    private static Decision start(JsonNode payload, JsonNode number, String summary) {
        var repo = payload.path("repository").path("full_name").asText("");
        if (!REPO.matcher(repo).matches()) return new Malformed("the payload has no repository.full_name of the form owner/name");
        if (!number.canConvertToLong() || number.asLong() <= 0) return new Malformed("the payload has no issue or pull request number");
        return new Start(repo, number.asLong(), summary);
    }

    private static boolean isBot(JsonNode user) {
        return user.path("type").asText("").equals("Bot") || user.path("login").asText("").endsWith("[bot]");
    }

    /** {@code @name} as a word of its own: not part of a longer login or an e-mail address. */
    static boolean mentions(String text, String mention) {
        var name = Pattern.quote(mention.startsWith("@") ? mention.substring(1) : mention);
        return Pattern.compile("(?i)(?<![A-Za-z0-9_.@-])@" + name + "(?![A-Za-z0-9_-])").matcher(text).find();
    }
}
