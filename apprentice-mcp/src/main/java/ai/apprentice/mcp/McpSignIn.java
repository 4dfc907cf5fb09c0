package ai.apprentice.mcp;

import java.io.PrintStream;
import java.net.URI;

/**
 * How a person is handed an OAuth authorization URL to sign in to an MCP server. The browser then comes back to
 * apprentice's loopback redirect listener with the code.
 */
@FunctionalInterface
public interface McpSignIn {
    void open(String server, URI authorizationUrl);

    /** On a terminal: print the URL, and open it with xdg-open when the machine has it. */
    static McpSignIn terminal(PrintStream err) {
        return (server, url) -> {
            err.println("Sign in to MCP server '" + server + "' in your browser: " + url);
            if (McpConnection.executable("xdg-open", System.getenv("PATH"))) {
                try {
                    new ProcessBuilder("xdg-open", url.toString()).redirectErrorStream(true)
                            .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                } catch (java.io.IOException e) {
                    err.println("(could not start xdg-open: " + e.getMessage() + "; open the URL yourself)");
                }
            }
        };
    }
}
