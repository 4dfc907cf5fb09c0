package ai.apprentice.local;

import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The GGUF file format (version 3, little-endian), as specified in ggml's docs/gguf.md: a header, typed
 * metadata, tensor descriptors, then tensor data aligned to 32 bytes. {@link #readMetadata} reads what
 * {@code model info} shows without loading weights; {@link Writer} writes F32 tensors, enough to generate the
 * tiny test model.
 */
public final class Gguf {
    static final int MAGIC = 0x46554747; // "GGUF" read as a little-endian int
    static final int ALIGNMENT = 32;
    private static final int UINT8 = 0, INT8 = 1, UINT16 = 2, INT16 = 3, UINT32 = 4, INT32 = 5, FLOAT32 = 6, BOOL = 7,
            STRING = 8, ARRAY = 9, UINT64 = 10, INT64 = 11, FLOAT64 = 12;

    private Gguf() {}

    /** What a GGUF file says about itself: its metadata (arrays summarised by length) and its tensor count. */
    public record Info(int version, long tensors, Map<String, Object> metadata) {
        public String string(String key) {
            var v = metadata.get(key);
            return v == null ? null : v.toString();
        }

        public long number(String key, long fallback) {
            return metadata.get(key) instanceof Number n ? n.longValue() : fallback;
        }
    }

    /** Reads the header and metadata; arrays longer than 16 items become "[N items]". Fails clearly on non-GGUF files. */
    public static Info readMetadata(Path file) throws IOException {
        try (var in = new LittleEndianInput(Files.newInputStream(file))) {
            int magic = in.i32();
            if (magic != MAGIC) throw new IOException(file + " is not a GGUF file (it does not start with 'GGUF')");
            int version = in.i32();
            if (version < 2 || version > 3) throw new IOException(file + " is GGUF version " + version + "; versions 2 and 3 are supported");
            long tensors = in.i64();
            long count = in.i64();
            if (count < 0 || count > 100_000) throw new IOException(file + " claims " + count + " metadata entries; it is damaged");
            var metadata = new LinkedHashMap<String, Object>();
            for (long i = 0; i < count; i++) {
                var key = in.string();
                metadata.put(key, in.value(in.i32(), true));
            }
            return new Info(version, tensors, metadata);
        } catch (EOFException e) {
            throw new IOException(file + " ends inside its GGUF header; the file is truncated", e);
        }
    }

    private static final class LittleEndianInput implements AutoCloseable {
        private final DataInputStream in;

        LittleEndianInput(InputStream in) {
            this.in = new DataInputStream(new java.io.BufferedInputStream(in, 1 << 16));
        }

        int i32() throws IOException {
            return Integer.reverseBytes(in.readInt());
        }

        long i64() throws IOException {
            return Long.reverseBytes(in.readLong());
        }

        String string() throws IOException {
            long n = i64();
            if (n < 0 || n > 64L << 20) throw new IOException("a GGUF string of " + n + " bytes; the file is damaged");
            return new String(in.readNBytes((int) n), StandardCharsets.UTF_8);
        }

        Object value(int type, boolean summarise) throws IOException {
            return switch (type) {
                case UINT8 -> in.readUnsignedByte();
                case INT8 -> (int) in.readByte();
                case UINT16 -> Short.toUnsignedInt(Short.reverseBytes(in.readShort()));
                case INT16 -> (int) Short.reverseBytes(in.readShort());
                case UINT32 -> Integer.toUnsignedLong(i32());
                case INT32 -> i32();
                case FLOAT32 -> Float.intBitsToFloat(i32());
                case BOOL -> in.readByte() != 0;
                case STRING -> string();
                case UINT64, INT64 -> i64();
                case FLOAT64 -> Double.longBitsToDouble(i64());
                case ARRAY -> {
                    int elementType = i32();
                    long n = i64();
                    var items = new ArrayList<Object>();
                    for (long j = 0; j < n; j++) {
                        var item = value(elementType, summarise);
                        if (!summarise || n <= 16) items.add(item);
                    }
                    yield summarise && n > 16 ? "[" + n + " items]" : items;
                }
                default -> throw new IOException("unknown GGUF value type " + type);
            };
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    /** Writes a GGUF file: metadata in insertion order, then F32 tensors (shape innermost dimension first). */
    public static final class Writer {
        private final Map<String, Object> metadata = new LinkedHashMap<>();
        private final List<String> names = new ArrayList<>();
        private final List<long[]> shapes = new ArrayList<>();
        private final List<float[]> data = new ArrayList<>();

        /** Values: String, Integer (uint32), Float, Boolean, List of String/Float/Integer (int32). */
        public Writer put(String key, Object value) {
            metadata.put(key, value);
            return this;
        }

        public Writer tensor(String name, float[] values, long... shape) {
            long n = 1;
            for (long d : shape) n *= d;
            if (n != values.length) throw new IllegalArgumentException(name + ": shape holds " + n + " values, got " + values.length);
            names.add(name);
            shapes.add(shape);
            data.add(values);
            return this;
        }

        public void write(Path file) throws IOException {
            try (var out = new CountingOutput(new BufferedOutputStream(Files.newOutputStream(file), 1 << 16))) {
                out.i32(MAGIC);
                out.i32(3);
                out.i64(names.size());
                out.i64(metadata.size());
                for (var e : metadata.entrySet()) {
                    out.string(e.getKey());
                    writeValue(out, e.getValue());
                }
                long offset = 0;
                for (int i = 0; i < names.size(); i++) {
                    out.string(names.get(i));
                    out.i32(shapes.get(i).length);
                    for (long d : shapes.get(i)) out.i64(d);
                    out.i32(0); // GGML_TYPE_F32
                    out.i64(offset);
                    offset = align(offset + 4L * data.get(i).length);
                }
                out.pad();
                for (var values : data) {
                    var buf = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                    buf.asFloatBuffer().put(values);
                    out.write(buf.array());
                    out.pad();
                }
            }
        }

        private static long align(long n) {
            return (n + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
        }

        private static void writeValue(CountingOutput out, Object v) throws IOException {
            switch (v) {
                case String s -> { out.i32(STRING); out.string(s); }
                case Integer i -> { out.i32(UINT32); out.i32(i); }
                case Float f -> { out.i32(FLOAT32); out.i32(Float.floatToIntBits(f)); }
                case Boolean b -> { out.i32(BOOL); out.write(b ? 1 : 0); }
                case List<?> list -> {
                    out.i32(ARRAY);
                    int type = list.isEmpty() || list.getFirst() instanceof String ? STRING
                            : list.getFirst() instanceof Float ? FLOAT32 : INT32;
                    out.i32(type);
                    out.i64(list.size());
                    for (var item : list) {
                        switch (item) {
                            case String s -> out.string(s);
                            case Float f -> out.i32(Float.floatToIntBits(f));
                            case Integer i -> out.i32(i);
                            default -> throw new IllegalArgumentException("unsupported array item " + item);
                        }
                    }
                }
                default -> throw new IllegalArgumentException("unsupported metadata value " + v);
            }
        }
    }

    private static final class CountingOutput implements AutoCloseable {
        private final OutputStream out;
        private long written;

        CountingOutput(OutputStream out) {
            this.out = out;
        }

        void write(int b) throws IOException {
            out.write(b);
            written++;
        }

        void write(byte[] b) throws IOException {
            out.write(b);
            written += b.length;
        }

        void i32(int v) throws IOException {
            write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array());
        }

        void i64(long v) throws IOException {
            write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
        }

        void string(String s) throws IOException {
            var bytes = s.getBytes(StandardCharsets.UTF_8);
            i64(bytes.length);
            write(bytes);
        }

        void pad() throws IOException {
            while (written % ALIGNMENT != 0) write(0);
        }

        @Override
        public void close() throws IOException {
            out.close();
        }
    }
}
