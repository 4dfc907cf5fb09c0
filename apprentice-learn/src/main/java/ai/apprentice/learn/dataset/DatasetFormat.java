package ai.apprentice.learn.dataset;

import java.util.Arrays;
import java.util.List;

/** The file formats a dataset is exported in, by the names the command line takes. */
public enum DatasetFormat {
    /** OpenAI supervised fine-tuning: the chat format, one successful trajectory a line. */
    OPENAI_SFT("openai-sft", Kind.SFT, Dialect.OPENAI),
    /** OpenAI direct preference optimisation: {@code input}, {@code preferred_output}, {@code non_preferred_output}. */
    OPENAI_DPO("openai-dpo", Kind.PAIRED, Dialect.OPENAI),
    /** TRL conversational language modelling ({@code messages}, with a {@code tools} column), for SFTTrainer. */
    TRL_SFT("trl-sft", Kind.SFT, Dialect.TRL),
    /** TRL conversational preference ({@code prompt}, {@code chosen}, {@code rejected}), for DPOTrainer. */
    TRL_DPO("trl-dpo", Kind.PAIRED, Dialect.TRL),
    /** TRL conversational unpaired preference ({@code prompt}, {@code completion}, {@code label}), for KTOTrainer. */
    TRL_KTO("trl-kto", Kind.UNPAIRED, Dialect.TRL);

    /** What a line holds: one good trajectory, a better and a worse turn, or one labelled turn. */
    public enum Kind { SFT, PAIRED, UNPAIRED }

    /** Whose message shapes: OpenAI's (tool arguments as a JSON string, ids) or TRL's (arguments as an object). */
    public enum Dialect { OPENAI, TRL }

    private final String wireName;
    private final Kind kind;
    private final Dialect dialect;

    DatasetFormat(String wireName, Kind kind, Dialect dialect) {
        this.wireName = wireName;
        this.kind = kind;
        this.dialect = dialect;
    }

    public String wireName() { return wireName; }
    public Kind kind() { return kind; }
    public Dialect dialect() { return dialect; }

    /** Every format's name, in order. */
    public static List<String> names() {
        return Arrays.stream(values()).map(DatasetFormat::wireName).toList();
    }

    /** The format of that name; an unknown name is an error listing the known ones. */
    public static DatasetFormat of(String name) {
        for (var f : values()) if (f.wireName.equals(name)) return f;
        throw new IllegalArgumentException("Unknown dataset format '" + name + "': use one of " + String.join(", ", names()));
    }
}
