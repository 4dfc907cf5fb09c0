package ai.apprentice.providers.openai;

import ai.apprentice.model.Usage;
import com.fasterxml.jackson.databind.JsonNode;

/** Opens the package-private usage reader to the tests of the providers package. */
public final class OpenAiCompatibleModelAccess {
    private OpenAiCompatibleModelAccess() {}

    public static Usage usage(JsonNode u) {
        return OpenAiCompatibleModel.usage(u);
    }
}
