package ai.apprentice.mcp;

import java.io.PrintStream;
import java.net.URI;
import java.util.Map;

/**
 * How a person is handed an OAuth authorization URL to sign in to an MCP server. The browser then comes back to
 * apprentice's loopback redirect listener with the code.
 */
@FunctionalInterface
public interface McpSignIn {
    void open(String server, URI authorizationUrl);

    /**
     * On a terminal: print the URL, and open it with the {@code BROWSER} command when the environment names one (the
     * usual convention; the first of a ':'-separated list), else with xdg-open when the machine has it.
     */
    static McpSignIn terminal(PrintStream err, Map<String, String> env) {
        return (server, url) -> {
            err.println("Sign in to MCP server '" + server + "' in your browser: " + url);
            var browser = env.getOrDefault("BROWSER", "").split(":")[0].strip();
            if (browser.isEmpty() && McpConnection.executable("xdg-open", env.get("PATH"))) browser = "xdg-open";
            if (browser.isEmpty()) return;
            try {
                new ProcessBuilder(browser, url.toString()).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            } catch (java.io.IOException e) {
                err.println("(could not start " + browser + ": " + e.getMessage() + "; open the URL yourself)");
            }
        };
    }
}
