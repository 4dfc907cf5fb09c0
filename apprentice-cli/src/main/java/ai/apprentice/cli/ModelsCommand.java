package ai.apprentice.cli;

import ai.apprentice.json.Json;
import ai.apprentice.providers.Providers;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "models", description = "List model providers and their presets.")
final class ModelsCommand implements Callable<Integer> {
    private final Cli cli;
    @Option(names = "--json", description = "Print JSON.") boolean json;

    ModelsCommand(Cli cli) {
        this.cli = cli;
    }

    @Override
    public Integer call() {
        var presets = Providers.presets();
        if (json) {
            cli.out.println(Json.MAPPER.valueToTree(presets).toPrettyString());
            return 0;
        }
        cli.out.printf("%-12s %-52s %-20s %s%n", "PROVIDER", "BASE URL", "API KEY VARIABLE", "EXAMPLE");
        for (var p : presets) {
            cli.out.printf("%-12s %-52s %-20s %s%n", p.name(), p.baseUrl() == null ? "(--base-url required)" : p.baseUrl(),
                    p.apiKeyEnv() == null ? "-" : p.apiKeyEnv() + (cli.env.containsKey(p.apiKeyEnv()) ? " (set)" : ""),
                    "--model " + p.name() + ":" + p.exampleModel());
        }
        cli.out.printf("%-12s %-52s %-20s %s%n", "local", "(in process, llama.cpp; 'apprentice model list')", "-", "--model local:" + ai.apprentice.local.Catalog.DEFAULT);
        cli.out.printf("%-12s %-52s %-20s %s%n", "scripted", "(plays a JSON/JSONL file of turns)", "-", "--model scripted:demo.jsonl");
        cli.out.println();
        cli.out.println("OpenAI-compatible providers also read OPENAI_BASE_URL and OPENAI_API_KEY; Anthropic reads ANTHROPIC_BASE_URL.");
        return 0;
    }
}
