package ai.apprentice.channels.feishu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.DynamicMessage;
import com.google.protobuf.UnknownFieldSet;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The intern's pbbp2.Frame codec against protobuf-java's own reading and writing of the same message definition. */
class FeishuFrameTest {
    @Test
    void framesWrittenByProtobufAreReadAndTheAnswerIsReadBackByProtobuf() throws Exception {
        var sent = FakeFeishu.frame(3, 1, Map.of("type", "event", "message_id", "msg-1"), "{\"schema\":\"2.0\"}".getBytes(StandardCharsets.UTF_8));
        var frame = FeishuFrame.decode(sent.toByteArray());
        assertThat(frame.seqId()).isEqualTo(3);
        assertThat(frame.logId()).isEqualTo(7);
        assertThat(frame.service()).isEqualTo(FakeFeishu.SERVICE_ID);
        assertThat(frame.method()).isEqualTo(FeishuFrame.DATA);
        assertThat(frame.header("type")).isEqualTo("event");
        assertThat(frame.header("message_id")).isEqualTo("msg-1");
        assertThat(new String(frame.payload(), StandardCharsets.UTF_8)).isEqualTo("{\"schema\":\"2.0\"}");

        var answer = DynamicMessage.parseFrom(FakeFeishu.FRAME, frame.answer("{\"code\":200}".getBytes(StandardCharsets.UTF_8), "biz_rt", "4").encode());
        assertThat(answer.isInitialized()).as("all required fields are present").isTrue();
        assertThat(answer.getField(FakeFeishu.FRAME.findFieldByName("SeqID"))).isEqualTo(3L);
        assertThat(FakeFeishu.header(answer, "message_id")).isEqualTo("msg-1");
        assertThat(FakeFeishu.header(answer, "biz_rt")).isEqualTo("4");
        assertThat(FakeFeishu.payload(answer)).isEqualTo("{\"code\":200}");
        assertThat(answer.getUnknownFields().asMap()).isEmpty();
    }

    @Test
    void aPingCarriesTheServiceIdAndLargeIdsAndUnknownFieldsSurvive() throws Exception {
        var ping = DynamicMessage.parseFrom(FakeFeishu.FRAME, FeishuFrame.control(FakeFeishu.SERVICE_ID, "ping").encode());
        assertThat(ping.isInitialized()).isTrue();
        assertThat(FakeFeishu.method(ping)).isZero();
        assertThat(ping.getField(FakeFeishu.FRAME.findFieldByName("service"))).isEqualTo(FakeFeishu.SERVICE_ID);
        assertThat(FakeFeishu.header(ping, "type")).isEqualTo("ping");

        // a uint64 beyond a long's sign bit, and a field this codec does not know (number 15)
        var big = FakeFeishu.frame(0, 1, Map.of("type", "event"), new byte[0]).toBuilder()
                .setField(FakeFeishu.FRAME.findFieldByName("LogID"), -2L)
                .setUnknownFields(UnknownFieldSet.newBuilder().addField(15, UnknownFieldSet.Field.newBuilder().addVarint(99).build()).build()).build();
        var frame = FeishuFrame.decode(big.toByteArray());
        assertThat(Long.toUnsignedString(frame.logId())).isEqualTo("18446744073709551614");
        assertThat(frame.headers()).containsExactly(new FeishuFrame.Header("type", "event"));
    }

    @Test
    void bytesThatAreNotAFrameAreRefused() throws Exception {
        assertThatThrownBy(() -> FeishuFrame.decode(new byte[] {(byte) 0xff, (byte) 0xff})).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> FeishuFrame.decode(new byte[] {8, 1})).isInstanceOf(IOException.class).hasMessageContaining("method");
        var frame = new FeishuFrame(1, 2, 3, 1, List.of(new FeishuFrame.Header("a", "b")), null, null, null, null);
        assertThat(FeishuFrame.decode(frame.encode()).header("a")).isEqualTo("b");
    }
}
