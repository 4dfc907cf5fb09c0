package ai.apprentice.channels.feishu;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * One frame of Feishu's long connection: the protobuf message {@code pbbp2.Frame} (as the official SDKs define it):
 * <pre>
 * message Header { required string key = 1; required string value = 2; }
 * message Frame { required uint64 SeqID = 1; required uint64 LogID = 2; required int32 service = 3;
 *   required int32 method = 4;            // 0 control (ping, pong), 1 data (event, card)
 *   repeated Header headers = 5; optional string payload_encoding = 6; optional string payload_type = 7;
 *   optional bytes payload = 8; optional string LogIDNew = 9; }
 * </pre>
 * Encoded and decoded with protobuf-java's coded streams (one small message does not need generated classes);
 * unknown fields are skipped.
 */
record FeishuFrame(long seqId, long logId, int service, int method, List<Header> headers, String payloadEncoding, String payloadType,
                   byte[] payload, String logIdNew) {
    static final int CONTROL = 0, DATA = 1;

    record Header(String key, String value) {}

    FeishuFrame {
        headers = List.copyOf(headers);
    }

    static FeishuFrame control(int service, String type) {
        return new FeishuFrame(0, 0, service, CONTROL, List.of(new Header("type", type)), null, null, null, null);
    }

    String header(String key) {
        for (var h : headers) if (h.key().equals(key)) return h.value();
        return null;
    }

    /** This frame as its answer: the same ids and headers, another payload, one more header. */
    FeishuFrame answer(byte[] newPayload, String key, String value) {
        var hs = new ArrayList<>(headers);
        hs.add(new Header(key, value));
        return new FeishuFrame(seqId, logId, service, method, hs, payloadEncoding, payloadType, newPayload, logIdNew);
    }

    byte[] encode() {
        try {
            var bytes = new ByteArrayOutputStream();
            var out = CodedOutputStream.newInstance(bytes);
            out.writeUInt64(1, seqId);
            out.writeUInt64(2, logId);
            out.writeInt32(3, service);
            out.writeInt32(4, method);
            for (var h : headers) {
                var header = new ByteArrayOutputStream();
                var ho = CodedOutputStream.newInstance(header);
                ho.writeString(1, h.key());
                ho.writeString(2, h.value());
                ho.flush();
                out.writeByteArray(5, header.toByteArray());
            }
            if (payloadEncoding != null) out.writeString(6, payloadEncoding);
            if (payloadType != null) out.writeString(7, payloadType);
            if (payload != null) out.writeByteArray(8, payload);
            if (logIdNew != null) out.writeString(9, logIdNew);
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException("writing to memory failed", e);
        }
    }

    /** The frame in {@code bytes}; IOException when they are not a Frame. */
    static FeishuFrame decode(byte[] bytes) throws IOException {
        var in = CodedInputStream.newInstance(bytes);
        long seq = 0, log = 0;
        int service = 0, method = -1;
        var headers = new ArrayList<Header>();
        String encoding = null, type = null, logNew = null;
        byte[] payload = null;
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            switch (tag) {
                case (1 << 3) | WireFormat.WIRETYPE_VARINT -> seq = in.readUInt64();
                case (2 << 3) | WireFormat.WIRETYPE_VARINT -> log = in.readUInt64();
                case (3 << 3) | WireFormat.WIRETYPE_VARINT -> service = in.readInt32();
                case (4 << 3) | WireFormat.WIRETYPE_VARINT -> method = in.readInt32();
                case (5 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED -> headers.add(header(in.readByteArray()));
                case (6 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED -> encoding = in.readString();
                case (7 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED -> type = in.readString();
                case (8 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED -> payload = in.readByteArray();
                case (9 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED -> logNew = in.readString();
                default -> {
                    in.skipField(tag);
                }
            }
        }
        if (method < 0) throw new IOException("a frame without its required method");
        return new FeishuFrame(seq, log, service, method, headers, encoding, type, payload, logNew);
    }

    private static Header header(byte[] bytes) throws IOException {
        var in = CodedInputStream.newInstance(bytes);
        String key = null, value = null;
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            switch (tag) {
                case (1 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED -> key = in.readString();
                case (2 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED -> value = in.readString();
                default -> in.skipField(tag);
            }
        }
        if (key == null || value == null) throw new IOException("a frame header without its key or value");
        return new Header(key, value);
    }
}
