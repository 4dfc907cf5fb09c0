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

    /**
     * The lines of a stream, one at a time, without holding more than one (cut) line: a line keeps at most
     * {@code maxChars} characters, and reading stops after {@code maxBytes} bytes. Each line is decoded on its
     * own: UTF-8 when it decodes cleanly, else Latin-1.
     */
    static final class Lines {
        private final InputStream in;
        private final int maxLineBytes;
        private final int maxChars;
        private final long maxBytes;
        private final byte[] buf = new byte[64 * 1024];
        private int pos;
        private int len;
        private long read;
        private boolean eof;
        private boolean stopped;
        private boolean cut;
        private final boolean binary;

        Lines(InputStream in, int maxChars, long maxBytes) throws IOException {
            this.in = in;
            this.maxChars = maxChars;
            this.maxLineBytes = maxChars * 4; // enough bytes for maxChars characters in UTF-8
            this.maxBytes = maxBytes;
            fill();
            binary = isBinary(buf, len);
        }

        boolean binary() {
            return binary;
        }

        /** Whether reading stopped at the byte limit rather than at the end of the file. */
        boolean stopped() {
            return stopped;
        }

        /** Whether the last line returned was cut. */
        boolean lastCut() {
            return cut;
        }

        /** The next line without its line ending, or null at the end (or the byte limit). */
        String next() throws IOException {
            var line = new java.io.ByteArrayOutputStream();
            cut = false;
            boolean any = false;
            while (true) {
                if (pos == len && !fill()) {
                    if (!any) return null;
                    break;
                }
                any = true;
                int nl = -1;
                for (int i = pos; i < len; i++) if (buf[i] == '\n') { nl = i; break; }
                int end = nl < 0 ? len : nl;
                int room = maxLineBytes - line.size();
                if (room > 0) line.write(buf, pos, Math.min(room, end - pos));
                if (end - pos > Math.max(0, room)) cut = true;
                pos = nl < 0 ? len : nl + 1;
                if (nl >= 0) break;
            }
            byte[] bytes = line.toByteArray();
            int n = bytes.length;
            if (n > 0 && bytes[n - 1] == '\r' && !cut) n--;
            String s = decode(java.util.Arrays.copyOf(bytes, n));
            if (s.length() > maxChars) {
                s = s.substring(0, maxChars);
                cut = true;
            }
            return s;
        }

        private boolean fill() throws IOException {
            if (eof || stopped) return false;
            if (read >= maxBytes) {
                stopped = true;
                return false;
            }
            int n = in.read(buf, 0, (int) Math.min(buf.length, maxBytes - read));
            if (n < 0) {
                eof = true;
                return false;
            }
            pos = 0;
            len = n;
            read += n;
            return true;
        }
    }
}
