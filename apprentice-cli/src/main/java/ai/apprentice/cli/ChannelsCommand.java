package ai.apprentice.cli;

import ai.apprentice.channels.ChannelConfig;
import ai.apprentice.channels.Channels;
import ai.apprentice.channels.ChannelsConfig;
import ai.apprentice.channels.ChatException;
import ai.apprentice.json.Json;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "channels", description = "The team chat channels of apprentice serve (Slack, Feishu, DingTalk, WeCom, a signed webhook).",
        subcommands = {ChannelsCommand.ListChannels.class, ChannelsCommand.Test.class},
        footer = {"", "Channels are configured under channels: in $APPRENTICE_HOME/config.yaml; secrets are environment variables named there.",
                "apprentice serve takes their deliveries at POST /channels/NAME/events.",
                "Examples:", "  apprentice channels list", "  apprentice channels test slack"})
final class ChannelsCommand implements Callable<Integer> {
    private final Cli cli;

    ChannelsCommand(Cli cli) {
        this.cli = cli;
    }

    @Override
    public Integer call() {
        throw new UsageException("say what to do: apprentice channels list, or apprentice channels test NAME");
    }

    static List<ChannelConfig> configs(Cli cli) {
        try {
            return ChannelsConfig.load(cli.home());
        } catch (ChatException e) {
            throw new UsageException(e.getMessage(), e);
        }
    }

    @Command(name = "list", description = "List the configured channels: platform, workspace, delivery, who may ask, and whether each secret is set.",
            footer = {"", "Examples:", "  apprentice channels list", "  apprentice channels list --json"})
    static final class ListChannels implements Callable<Integer> {
        private final Cli cli;
        @Option(names = "--json", description = "Print a JSON array.") boolean json;

        ListChannels(Cli cli) {
            this.cli = cli;
        }

        @Override
        public Integer call() {
            var configs = configs(cli);
            var arr = Json.MAPPER.createArrayNode();
            for (var c : configs) {
                var o = arr.addObject().put("name", c.name()).put("platform", c.platform()).put("workspace", c.workspace())
                        .put("mode", c.setting("mode", "events")).put("events_path", "/channels/" + c.name() + "/events")
                        .put("memory", c.memory());
                var allow = o.putObject("allow");
                c.allowUsers().forEach(allow.withArray("users")::add);
                c.allowChannels().forEach(allow.withArray("channels")::add);
                c.allowTeams().forEach(allow.withArray("teams")::add);
                var secrets = o.putObject("secrets");
                c.settings().forEach((k, v) -> {
                    if (k.endsWith("_env")) secrets.putObject(k).put("variable", v).put("set", cli.env.get(v) != null && !cli.env.get(v).isBlank());
                });
                var profile = o.putObject("profile");
                c.profile().forEach((k, v) -> profile.set(k, Json.MAPPER.valueToTree(v)));
                if (c.dailyCostUsd() > 0) profile.put("daily_cost_usd", c.dailyCostUsd());
            }
            if (json) {
                cli.out.println(arr.toPrettyString());
                return 0;
            }
            if (configs.isEmpty()) {
                cli.out.println("No channels. Add one under channels: in " + ai.apprentice.harness.config.ConfigLoader.userFile(cli.home())
                        + " (see the README's Team chat section), then: apprentice channels test NAME");
                return 0;
            }
            for (var o : arr) {
                cli.out.println(o.path("name").asText() + " (" + o.path("platform").asText() + ", " + o.path("mode").asText() + ")");
                cli.out.println("  workspace  " + (o.path("workspace").asText().isEmpty() ? "(the server's root)" : o.path("workspace").asText()));
                cli.out.println("  deliveries POST " + o.path("events_path").asText());
                cli.out.println("  who        users " + o.path("allow").path("users") + (o.path("allow").has("channels") ? ", channels " + o.path("allow").path("channels") : ""));
                o.path("secrets").fields().forEachRemaining(f -> cli.out.println("  " + String.format("%-10s ", f.getKey().replace("_env", ""))
                        + f.getValue().path("variable").asText() + (f.getValue().path("set").asBoolean() ? " (set)" : " (NOT SET)")));
                if (!o.path("profile").isEmpty()) cli.out.println("  profile    " + o.path("profile"));
            }
            return 0;
        }
    }

    @Command(name = "test", description = "Check one channel's config, secrets and connection to its platform, and say exactly what is wrong.",
            footer = {"", "Exit status 0 when the platform accepted the credentials, 1 when it did not, 2 for a config mistake.",
                    "Examples:", "  apprentice channels test slack"})
    static final class Test implements Callable<Integer> {
        private final Cli cli;
        @Parameters(paramLabel = "NAME", description = "The channel's name under channels: in the config.") String name;

        Test(Cli cli) {
            this.cli = cli;
        }

        @Override
        public Integer call() {
            var configs = configs(cli);
            var config = configs.stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow(() -> new UsageException(
                    "no channel '" + name + "' in " + ai.apprentice.harness.config.ConfigLoader.userFile(cli.home()) + (configs.isEmpty() ? " (it has none)"
                            : "; configured: " + String.join(", ", configs.stream().map(ChannelConfig::name).toList()))));
            try (var platform = Channels.platform(config, cli.env)) {
                cli.err.println("checking " + config.name() + " (" + config.platform() + ")...");
                cli.out.println(config.name() + ": ok, " + cli.harness().store().redact(platform.check()));
                return 0;
            } catch (ChatException e) {
                cli.out.println(config.name() + ": " + cli.harness().store().redact(e.getMessage()));
                return 1;
            }
        }
    }
}
