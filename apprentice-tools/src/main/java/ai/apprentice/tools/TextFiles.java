package ai.apprentice.tools;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reading files as text, with binary files recognised (a NUL byte in the first 8 KiB) rather than garbled. */
final class TextFiles {
    static final int SNIFF = 8192;

    private TextFiles() {}

    static boolean isBinary(byte[] bytes, int length) {
        for (int i = 0; i < Math.min(length, SNIFF); i++) if (bytes[i] == 0) return true;
        return false;
    }

    static boolean isBinary(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            var head = in.readNBytes(SNIFF);
            return isBinary(head, head.length);
        }
    }

    /** UTF-8 when it decodes cleanly, else Latin-1 (every byte maps to a character, nothing is lost). */
    static String decode(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return new String(bytes, StandardCharsets.ISO_8859_1);
        }
    }
}
