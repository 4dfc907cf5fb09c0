package ai.apprentice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.channels.triggers.TriggerStore;
import ai.apprentice.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** apprentice triggers add|list|remove|fire: the checks of add, what list shows, a fire run here and recorded with its trigger. */
class TriggersCommandTest {
    @TempDir Path home;
    @TempDir Path root;

    @Test
    void addChecksEverythingListShowsTriggersFireRunsOneAndRemoveRemoves() throws Exception {
        var cli = new CliHarness(home, root);
        cli.env.put("APPRENTICE_MEMORY", "off");
        var r = root.toString();
        var nightly = cli.run("triggers", "add", "nightly", "--cron", "30 2 * * *", "--tz", "Asia/Tokyo", "--task", "Tidy the logs",
                "--workspace", "ops", "--root", r);
        assertThat(nightly.exit()).as(nightly.err()).isZero();
        assertThat(nightly.out()).contains("added trigger nightly: schedule '30 2 * * *' in Asia/Tokyo", "next 20", "missed: run-once",
                "workspace: ops (under the server's root)");
        var review = cli.run("triggers", "add", "review", "--webhook", "--github", "--task", "Review #{{pull_request.number}}", "--root", r);
        assertThat(review.exit()).as(review.err()).isZero();
        assertThat(review.out()).contains("GitHub webhook at POST /hooks/review", "URL path: POST /hooks/review", "$GITHUB_WEBHOOK_SECRET", "$GITHUB_TOKEN");
        assertThat(review.err()).contains("note: GITHUB_WEBHOOK_SECRET is not set here");

        String[][] refused = {
                {"61 * * * *", "Asia/Tokyo", "nightly2", "Value 61 not in range"},
                {"0 9 * * *", "Mars/Olympus", "nightly2", "is not a time zone"},
                {"0 9 * * *", "UTC", "no/slash", "name must be"},
                {"0 9 * * *", "UTC", "nightly", "exists"},
        };
        for (var x : refused) {
            var res = cli.run("triggers", "add", x[2], "--cron", x[0], "--tz", x[1], "--task", "t", "--root", r);
            assertThat(res.exit()).as(String.join(" ", x)).isEqualTo(ExitCodes.USAGE);
            assertThat(res.err()).contains(x[3]);
        }
        var outside = cli.run("triggers", "add", "x", "--cron", "0 9 * * *", "--task", "t", "--workspace", "/etc", "--root", r);
        assertThat(outside.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(outside.err()).contains("outside the root");
        var noSecretName = cli.run("triggers", "add", "x", "--webhook", "--secret-env", "my secret", "--task", "t", "--root", r);
        assertThat(noSecretName.err()).contains("secret_env names an environment variable");
        var twoSources = cli.run("triggers", "add", "x", "--webhook", "--watch", "in", "--task", "t", "--root", r);
        assertThat(twoSources.err()).contains("exactly one of cron, webhook and watch");
        assertThat(cli.run("triggers", "add", "x", "--cron", "0 9 * * *", "--root", r).exit()).as("--task is required").isEqualTo(ExitCodes.USAGE);

        var list = cli.run("triggers", "list");
        assertThat(list.out()).contains("nightly: schedule", "review: GitHub webhook", "last fire: never");
        var json = Json.tree(cli.run("triggers", "list", "--json").out());
        assertThat(json).hasSize(2);
        assertThat(json.get(0).path("name").asText()).isEqualTo("nightly");
        assertThat(json.get(0).path("origin").asText()).isEqualTo("trigger:nightly");

        Files.writeString(root.resolve("s.jsonl"), "{\"text\": \"Logs tidied.\"}\n");
        var fired = cli.run("triggers", "fire", "nightly", "--root", r, "--model", "scripted:" + root.resolve("s.jsonl"));
        assertThat(fired.exit()).as(fired.err()).isZero();
        assertThat(fired.out()).contains("Logs tidied.");
        assertThat(fired.err()).contains("trigger nightly: run ");
        assertThat(root.resolve("ops")).isDirectory();
        var runs = Json.tree(cli.run("runs", "list", "--json").out());
        assertThat(runs).hasSize(1);
        try (var store = TriggerStore.open(home, java.util.Map.of())) {
            assertThat(store.fires("nightly", 10)).singleElement().satisfies(f -> {
                assertThat(f.source()).isEqualTo("cli");
                assertThat(f.status()).isEqualTo("started");
                assertThat(f.runId()).isEqualTo(runs.get(0).path("id").asText());
            });
        }
        assertThat(cli.run("triggers", "list").out()).contains("started run " + runs.get(0).path("id").asText() + " (cli)");
        assertThat(cli.run("triggers", "fire", "nope", "--root", r).exit()).isEqualTo(ExitCodes.USAGE);

        assertThat(cli.run("triggers", "remove", "review").out()).contains("removed trigger review");
        assertThat(cli.run("triggers", "remove", "review").exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(Json.tree(cli.run("triggers", "list", "--json").out())).hasSize(1);
    }

    @Test
    void everyTriggersCommandHasHelpWithExamples() {
        var cli = new CliHarness(home, root);
        for (var sub : new String[] {"add", "list", "remove", "fire"}) {
            var help = cli.run("triggers", sub, "--help");
            assertThat(help.exit()).isZero();
            assertThat(help.out()).contains("Example", "apprentice triggers " + sub);
        }
        var top = cli.run("triggers", "--help");
        assertThat(top.out()).contains("add", "list", "remove", "fire", "--cron");
        assertThat(cli.run("--help").out()).contains("triggers");
        assertThat(cli.run("triggers").exit()).isEqualTo(ExitCodes.USAGE);
    }
}
