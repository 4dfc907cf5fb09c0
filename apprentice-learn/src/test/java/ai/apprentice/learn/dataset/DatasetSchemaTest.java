package ai.apprentice.learn.dataset;

import static ai.apprentice.learn.dataset.DatasetFixtures.problems;
import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.json.Json;
import org.junit.jupiter.api.Test;

/** The schemas the exports are checked against accept the documentation's examples and reject what it does not allow. */
class DatasetSchemaTest {
    @Test
    void theDocumentationsExamplesAreValid() {
        // OpenAI's fine-tuning guide, tool calling example (one line).
        assertThat(problems(DatasetFormat.OPENAI_SFT, Json.tree("""
                {"messages": [{"role": "user", "content": "What is the weather in San Francisco?"},
                  {"role": "assistant", "tool_calls": [{"id": "call_id", "type": "function", "function": {"name": "get_current_weather",
                    "arguments": "{\\"location\\": \\"San Francisco, USA\\", \\"format\\": \\"celsius\\"}"}}]}],
                 "tools": [{"type": "function", "function": {"name": "get_current_weather", "description": "Get the current weather",
                   "parameters": {"type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]}}}]}
                """))).isEmpty();
        // OpenAI's DPO guide.
        assertThat(problems(DatasetFormat.OPENAI_DPO, Json.tree("""
                {"input": {"messages": [{"role": "user", "content": "Hello, can you tell me how cold San Francisco is today?"}],
                  "tools": [], "parallel_tool_calls": true},
                 "preferred_output": [{"role": "assistant", "content": "Today in San Francisco, it is not quite cold as expected."}],
                 "non_preferred_output": [{"role": "assistant", "content": "It is not particularly cold in San Francisco today."}]}
                """))).isEmpty();
        // TRL's dataset formats guide: tool calling, preference, unpaired preference.
        assertThat(problems(DatasetFormat.TRL_SFT, Json.tree("""
                {"messages": [{"role": "user", "content": "Turn on the living room lights."},
                  {"role": "assistant", "tool_calls": [{"type": "function", "function": {"name": "control_light",
                    "arguments": {"room": "living room", "state": "on"}}}]},
                  {"role": "tool", "name": "control_light", "content": "The lights in the living room are now on."},
                  {"role": "assistant", "content": "Done!"}],
                 "tools": [{"type": "function", "function": {"name": "control_light", "description": "Controls the lights in a room.",
                   "parameters": {"type": "object", "properties": {"room": {"type": "string"}, "state": {"type": "string"}},
                   "required": ["room", "state"]}, "return": {"type": "string"}}}]}
                """))).isEmpty();
        assertThat(problems(DatasetFormat.TRL_DPO, Json.tree("""
                {"prompt": [{"role": "user", "content": "What color is the sky?"}],
                 "chosen": [{"role": "assistant", "content": "It is blue."}], "rejected": [{"role": "assistant", "content": "It is green."}]}
                """))).isEmpty();
        assertThat(problems(DatasetFormat.TRL_KTO, Json.tree("""
                {"prompt": [{"role": "user", "content": "What color is the sky?"}],
                 "completion": [{"role": "assistant", "content": "It is green."}], "label": false}
                """))).isEmpty();
    }

    @Test
    void whatTheFormatsDoNotAllowIsRejected() {
        // OpenAI: arguments are a JSON string, not an object; a tool message needs its call's id.
        assertThat(problems(DatasetFormat.OPENAI_SFT, Json.tree("""
                {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "tool_calls": [{"id": "c", "type": "function",
                  "function": {"name": "f", "arguments": {"a": 1}}}]}]}"""))).isNotEmpty();
        assertThat(problems(DatasetFormat.OPENAI_SFT, Json.tree("""
                {"messages": [{"role": "user", "content": "hi"}, {"role": "tool", "content": "x"}]}"""))).isNotEmpty();
        assertThat(problems(DatasetFormat.OPENAI_SFT, Json.tree("{\"prompt\": \"hi\", \"completion\": \"there\"}"))).isNotEmpty();
        // OpenAI DPO: one text message per output; a tool call is not text.
        assertThat(problems(DatasetFormat.OPENAI_DPO, Json.tree("""
                {"input": {"messages": [{"role": "user", "content": "hi"}]},
                 "preferred_output": [{"role": "assistant", "tool_calls": [{"id": "c", "type": "function", "function": {"name": "f", "arguments": "{}"}}]}],
                 "non_preferred_output": [{"role": "assistant", "content": "no"}]}"""))).isNotEmpty();
        assertThat(problems(DatasetFormat.OPENAI_DPO, Json.tree("""
                {"input": {"messages": [{"role": "user", "content": "hi"}]},
                 "preferred_output": [{"role": "assistant", "content": "a"}, {"role": "assistant", "content": "b"}],
                 "non_preferred_output": [{"role": "assistant", "content": "no"}]}"""))).isNotEmpty();
        // TRL: arguments are an object; a tool message names its tool; a label is a boolean.
        assertThat(problems(DatasetFormat.TRL_SFT, Json.tree("""
                {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "tool_calls": [{"type": "function",
                  "function": {"name": "f", "arguments": "{}"}}]}]}"""))).isNotEmpty();
        assertThat(problems(DatasetFormat.TRL_SFT, Json.tree("""
                {"messages": [{"role": "user", "content": "hi"}, {"role": "tool", "content": "x"}]}"""))).isNotEmpty();
        assertThat(problems(DatasetFormat.TRL_KTO, Json.tree("""
                {"prompt": [{"role": "user", "content": "hi"}], "completion": [{"role": "assistant", "content": "yo"}], "label": "true"}"""))).isNotEmpty();
        assertThat(problems(DatasetFormat.TRL_DPO, Json.tree("""
                {"prompt": [{"role": "user", "content": "hi"}], "chosen": [{"role": "user", "content": "yo"}],
                 "rejected": [{"role": "assistant", "content": "no"}]}"""))).isNotEmpty();
    }
}
