package ai.apprentice.channels.triggers;

import ai.apprentice.json.Json;
import ai.apprentice.server.AgentService;
import ai.apprentice.store.RunRecord;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Posts the answer of a run a GitHub event started as a comment on its issue or pull request, once it has finished:
 * {@code POST {api}/repos/{owner}/{repo}/issues/{number}/comments} with a bearer token, as "Create an issue comment"
 * (docs.github.com/en/rest/issues/comments) documents; pull requests take issue comments too. The text is redacted,
 * and carries {@link GitHubEvents#MARK} so that the comment it makes starts no run of its own.
 */
final class GitHubReplies implements AutoCloseable {
    /** GitHub refuses a comment body longer than this. */
    static final int MAX_BODY = 65_536;
    private final AgentService agents;
    private final TriggerStore store;
    private final Map<String, String> env;
    private final PrintStream log;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final Set<Thread> followers = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    GitHubReplies(AgentService agents, TriggerStore store, Map<String, String> env, PrintStream log) {
        this.agents = agents;
        this.store = store;
        this.env = env;
        this.log = log;
    }

    /** Where a run's answer goes. */
    static JsonNode target(Trigger.Webhook hook, String repo, long number) {
        return Json.object().put("api_url", hook.apiUrl()).put("token_env", hook.tokenEnv()).put("repo", repo).put("number", number);
    }

    /** Waits for the run in the background, then posts its answer (once, whichever process gets there first). */
    void follow(String trigger, String key, String runId, JsonNode target) {
        if (closed) return;
        var thread = Thread.ofVirtual().name("trigger-reply-" + trigger).unstarted(() -> {
            try {
                awaitEnd(runId);
                if (!closed && store.claimReply(trigger, key)) store.replied(trigger, key, post(trigger, runId, target));
            } catch (InterruptedException e) {
                // closing: the next start follows it again
            } catch (RuntimeException e) {
                log.println("trigger " + trigger + ": could not post the answer of run " + runId + ": " + agents.redact(String.valueOf(e.getMessage())));
            } finally {
                followers.remove(Thread.currentThread());
            }
        });
        followers.add(thread);
        thread.start();
    }

    private void awaitEnd(String runId) throws InterruptedException {
        long seq = 0;
        while (!closed && agents.busy(runId)) {
            var events = agents.awaitEvents(runId, seq, 5_000);
            if (!events.isEmpty()) seq = events.getLast().seq();
        }
    }

    /** Posts the comment; returns what happened, as stored with the fire. */
    private String post(String trigger, String runId, JsonNode target) throws InterruptedException {
        var tokenEnv = target.path("token_env").asText();
        var token = env.get(tokenEnv);
        if (token == null || token.isBlank()) {
            log.println("trigger " + trigger + ": not posting the answer of run " + runId + ": " + tokenEnv + " is not set in the server's environment");
            return "failed: " + tokenEnv + " is not set";
        }
        var url = target.path("api_url").asText() + "/repos/" + target.path("repo").asText() + "/issues/" + target.path("number").asLong() + "/comments";
        var body = Json.write(Json.object().put("body", comment(runId)));
        var request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + token)
                .header("Accept", "application/vnd.github+json")
                .header("X-GitHub-Api-Version", "2022-11-28")
                .header("User-Agent", "apprentice-triggers")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        try {
            var response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 201) {
                log.println("trigger " + trigger + ": posted the answer of run " + runId + " to " + target.path("repo").asText() + "#" + target.path("number").asLong());
                return "posted";
            }
            var said = response.body().length() > 300 ? response.body().substring(0, 300) : response.body();
            log.println("trigger " + trigger + ": GitHub refused the comment for run " + runId + " (" + response.statusCode() + "): " + agents.redact(said));
            return "failed: GitHub answered " + response.statusCode();
        } catch (java.io.IOException e) {
            log.println("trigger " + trigger + ": could not reach " + target.path("api_url").asText() + " to post run " + runId + ": " + e.getMessage());
            return "failed: " + e.getClass().getSimpleName();
        }
    }

    /** The run's answer, or what became of it; redacted, within GitHub's limit, with the mark. */
    private String comment(String runId) {
        var run = agents.run(runId);
        String text;
        if (run.isPresent() && "succeeded".equals(agents.status(runId)) && run.get().answer() != null && !run.get().answer().isBlank()) {
            text = run.get().answer();
        } else {
            text = "The run " + runId + " " + agents.status(runId) + run.map(RunRecord::stopReason).map(r -> " (" + r + ")").orElse("")
                    + " without an answer.";
        }
        var tail = "\n\n" + GitHubEvents.MARK;
        text = agents.redact(text);
        if (text.length() + tail.length() > MAX_BODY) text = text.substring(0, MAX_BODY - tail.length() - 20) + "\n… (cut)";
        return text + tail;
    }

    @Override
    public void close() {
        closed = true;
        followers.forEach(Thread::interrupt);
    }
}
