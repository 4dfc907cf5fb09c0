package ai.apprentice.tools;

import java.io.ByteArrayOutputStream;
import java.nio.charset.Charset;

/**
 * Keeps the first and the last part of a byte stream of any length, in bounded memory, and counts what it
 * dropped in between. Non-text bytes are shown as replacement characters, with a note.
 */
final class HeadTailBuffer {
    private final int headLimit;
    private final byte[] tail;
    private final ByteArrayOutputStream head = new ByteArrayOutputStream();
    private int tailStart;
    private int tailSize;
    private long total;
    private boolean binary;

    HeadTailBuffer(int maxChars) {
        this.headLimit = maxChars / 2;
        this.tail = new byte[maxChars - headLimit];
    }

    synchronized void append(byte[] buf, int n) {
        for (int i = 0; i < n; i++) {
            byte b = buf[i];
            if (b == 0) binary = true;
            total++;
            if (head.size() < headLimit) {
                head.write(b);
            } else if (tail.length > 0) {
                tail[(tailStart + tailSize) % tail.length] = b;
                if (tailSize < tail.length) tailSize++;
                else tailStart = (tailStart + 1) % tail.length;
            }
        }
    }

    synchronized String text(Charset charset) {
        var sb = new StringBuilder(clean(new String(head.toByteArray(), charset)));
        long dropped = total - head.size() - tailSize;
        if (dropped > 0) sb.append("\n[... ").append(dropped).append(" bytes of output cut ...]\n");
        var t = new byte[tailSize];
        for (int i = 0; i < tailSize; i++) t[i] = tail[(tailStart + i) % tail.length];
        sb.append(clean(new String(t, charset)));
        if (binary) sb.append("\n[the output contained binary data; non-text bytes are shown as \uFFFD]");
        return sb.toString();
    }

    private static String clean(String s) {
        return s.replace('\0', '\uFFFD');
    }
}
