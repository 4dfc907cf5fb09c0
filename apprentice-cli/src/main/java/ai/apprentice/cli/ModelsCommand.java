package ai.apprentice.cli;

import ai.apprentice.json.Json;
import ai.apprentice.providers.Providers;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "models", description = "List model providers and their presets; --prices shows what models cost.")
final class ModelsCommand implements Callable<Integer> {
    private final Cli cli;
    @Option(names = "--json", description = "Print JSON.") boolean json;
    @Option(names = "--prices", description = "Show the price table: input, cached input, cache write and output, with date and source.")
    boolean prices;

    ModelsCommand(Cli cli) {
        this.cli = cli;
    }

    @Override
    public Integer call() {
        if (prices) return prices();
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

    /** The built-in price table with the config's prices over it; models missing from it are reported without a price, not as free. */
    private int prices() {
        var table = new java.util.TreeMap<>(ai.apprentice.model.PriceTable.defaults().asMap());
        table.putAll(cli.config(java.nio.file.Path.of("").toAbsolutePath(), java.util.Map.of()).prices());
        if (json) {
            cli.out.println(Json.MAPPER.valueToTree(table).toPrettyString());
            return 0;
        }
        cli.out.println("USD per million tokens.");
        cli.out.printf("%-20s %8s %8s %8s %8s  %-10s %s%n", "MODEL", "INPUT", "CACHED", "CACHE-W", "OUTPUT", "AS OF", "SOURCE");
        table.forEach((model, p) -> cli.out.printf("%-20s %8.3f %8.3f %8.3f %8.3f  %-10s %s%n", model, p.inputPerMillion(),
                p.cachedInputPerMillion(), p.cacheWritePerMillion(), p.outputPerMillion(), p.asOf() == null ? "-" : p.asOf(),
                p.source() == null ? "-" : p.source()));
        cli.out.println();
        cli.out.println("CACHED: input read from the provider's prompt cache; CACHE-W: input written to it. Models not listed");
        cli.out.println("have no price: their runs report \"no price\" rather than $0. Add prices under 'prices' in the config.");
        return 0;
    }
}
