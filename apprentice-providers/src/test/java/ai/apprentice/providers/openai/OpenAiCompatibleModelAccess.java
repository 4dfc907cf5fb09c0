package ai.apprentice.providers.openai;

import ai.apprentice.model.Usage;
import com.fasterxml.jackson.databind.JsonNode;

/** Opens the package-private usage reader to the tests of the providers package. */
public final class OpenAiCompatibleModelAccess {
    private OpenAiCompatibleModelAccess() {}

    public static Usage usage(JsonNode u) {
        return OpenAiCompatibleModel.usage(u);
    }

    /** The request body the model would send, as JSON. */
    public static JsonNode body(OpenAiCompatibleModel model, ai.apprentice.model.ChatRequest request) {
        return ai.apprentice.json.Json.tree(new String(model.body(request), java.nio.charset.StandardCharsets.UTF_8));
    }
}
