package ai.apprentice.runtime;

/** How tools are offered to the model: its native tool calling, or Thought/Action/Observation text. */
public enum ToolMode {
    NATIVE, TEXT
}
