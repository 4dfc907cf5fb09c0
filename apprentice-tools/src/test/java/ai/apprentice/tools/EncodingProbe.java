package ai.apprentice.tools;

import java.nio.file.Path;

/** Run in a JVM without a UTF-8 locale by {@link FileToolsSafetyTest}: what the tools say about non-ASCII names. */
public final class EncodingProbe {
    public static void main(String[] args) throws Exception {
        var tools = new FileTools(new Workspace(Path.of(args[0])));
        System.out.println("jnu=" + System.getProperty("sun.jnu.encoding"));
        for (var attempt : new String[] {"write", "read"}) {
            try {
                System.out.println(attempt.equals("write") ? tools.write("é.txt", "x") : tools.read("é.txt", 1, 10));
            } catch (ToolException e) {
                System.out.println(attempt + " refused: " + e.getMessage());
            }
        }
        System.out.println("list: " + tools.list("*", "."));
    }
}
