package ai.apprentice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.javalin.Javalin;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** apprentice channels list|test: what is configured, which secrets are missing, and what the platform said of the credentials. */
class ChannelsCommandTest {
    @TempDir Path home;
    @TempDir Path ws;

    private Javalin fakeSlack() {
        return Javalin.create(c -> {
            c.startup.showJavalinBanner = false;
            c.jetty.host = "127.0.0.1";
            c.jetty.port = 0;
            c.routes.post("/api/auth.test", ctx -> ctx.contentType("application/json").result("Bearer xoxb-good".equals(ctx.header("Authorization"))
                    ? "{\"ok\":true,\"team\":\"Acme\",\"team_id\":\"T1\",\"user\":\"apprentice\",\"user_id\":\"UBOT\"}"
                    : "{\"ok\":false,\"error\":\"invalid_auth\"}"));
        }).start();
    }

    @Test
    void listShowsChannelsAndWhetherTheirSecretsAreSetAndTestSaysWhatTheApiAnswered() throws Exception {
        var slack = fakeSlack();
        try {
            Files.writeString(home.resolve("config.yaml"), """
                    channels:
                      slack:
                        signing_secret_env: SLACK_SIGNING_SECRET
                        bot_token_env: SLACK_BOT_TOKEN
                        api_base_url: http://127.0.0.1:%d/api/
                        workspace: proj
                        allow: {users: [U123], channels: [C456]}
                        profile: {approve: ask, max_cost_usd: 0.5, daily_cost_usd: 5}
                    """.formatted(slack.port()));
            var cli = new CliHarness(home, ws);
            cli.env.put("SLACK_BOT_TOKEN", "xoxb-good");
            var list = cli.run("channels", "list");
            assertThat(list.exit()).as(list.err()).isZero();
            assertThat(list.out()).contains("slack (slack, events)", "POST /channels/slack/events", "SLACK_BOT_TOKEN (set)",
                    "SLACK_SIGNING_SECRET (NOT SET)", "U123").doesNotContain("xoxb-good");

            var missing = cli.run("channels", "test", "slack");
            assertThat(missing.exit()).isEqualTo(1);
            assertThat(missing.out()).contains("signing_secret_env names SLACK_SIGNING_SECRET, which is not set");

            cli.env.put("SLACK_SIGNING_SECRET", "s3cret");
            var ok = cli.run("channels", "test", "slack");
            assertThat(ok.exit()).as(ok.out() + ok.err()).isZero();
            assertThat(ok.out()).contains("slack: ok", "Acme", "@apprentice");

            cli.env.put("SLACK_BOT_TOKEN", "xoxb-revoked");
            var bad = cli.run("channels", "test", "slack");
            assertThat(bad.exit()).isEqualTo(1);
            assertThat(bad.out()).contains("invalid_auth", "SLACK_BOT_TOKEN").doesNotContain("xoxb-revoked");

            var unknown = cli.run("channels", "test", "teams");
            assertThat(unknown.exit()).isEqualTo(2);
            assertThat(unknown.err()).contains("no channel 'teams'", "configured: slack");
        } finally {
            slack.stop();
        }
    }

    @Test
    void configMistakesAreNamedByTheirKey() throws Exception {
        var cli = new CliHarness(home, ws);
        Files.writeString(home.resolve("config.yaml"), """
                channels:
                  slack:
                    bot_token_env: SLACK_BOT_TOKEN
                    allow: {users: []}
                """);
        var r = cli.run("channels", "list");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("channels.slack.allow.users is empty");
        Files.writeString(home.resolve("config.yaml"), """
                channels:
                  slack:
                    allow: {users: ["*"]}
                    profile: {model: "openai:gpt-5"}
                """);
        assertThat(cli.run("channels", "list").err()).contains("channels.slack.profile.model: not a setting a channel may give its runs");
        Files.writeString(home.resolve("config.yaml"), """
                channels:
                  teams:
                    allow: {users: ["*"]}
                """);
        assertThat(cli.run("channels", "list").err()).contains("unknown platform 'teams'");
        assertThat(cli.run("config", "show").err()).as("the agent's config loader does not warn about the channels section")
                .doesNotContain("unknown key 'channels'");
        assertThat(cli.run("channels", "--help").out()).contains("Usage: apprentice channels", "Examples");
    }
}
