package ai.apprentice.tools;

/** A tool call that cannot be carried out as asked; the message is what the model reads. */
public class ToolException extends Exception {
    public ToolException(String message) {
        super(message);
    }
}
