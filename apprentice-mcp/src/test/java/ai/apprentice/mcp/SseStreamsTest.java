package ai.apprentice.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** The bounds of what SSE streams keep for resumption, and what a cursor beyond them gets. */
class SseStreamsTest {
    private static String message(int n) {
        return "event: message\ndata: {\"n\":" + n + "}\n\n";
    }

    private static SseStreams.Sink sink(StringWriter out) {
        return new SseStreams.Sink(new PrintWriter(out), null);
    }

    @Test
    void aStreamReplaysWhatItKeptAfterTheCursorAndRefusesACursorOlderThanThat() {
        var streams = new SseStreams(2000, 3, 1 << 20, 16, 16, 1 << 30);
        var live = new StringWriter();
        var stream = streams.open("s").start(true, sink(live));
        assertThat(live.toString()).isEqualTo("id: 1-1\nretry: 2000\ndata: \n\n");
        for (int i = 1; i <= 5; i++) stream.append(message(i)); // ids 1-2 .. 1-6; the last 3 (1-4 .. 1-6) are kept
        assertThat(stream.keptCount()).isEqualTo(3);
        assertThat(live.toString()).contains("id: 1-6\nevent: message\ndata: {\"n\":5}\n\n");

        var ok = streams.find("s", "1-3");
        assertThat(ok).isInstanceOf(SseStreams.Resume.class);
        var resumed = new StringWriter();
        ((SseStreams.Resume) ok).stream().resume(sink(resumed), ((SseStreams.Resume) ok).after());
        assertThat(resumed.toString()).isEqualTo("retry: 2000\n\n" + "id: 1-4\n" + message(3) + "id: 1-5\n" + message(4) + "id: 1-6\n" + message(5));
        stream.append(message(6));
        assertThat(resumed.toString()).endsWith("id: 1-7\n" + message(6));
        assertThat(live.toString()).as("the replaced response gets nothing more").doesNotContain("1-7");

        var old = streams.find("s", "1-2");
        assertThat(old).isInstanceOf(SseStreams.Refusal.class);
        assertThat(((SseStreams.Refusal) old).status()).isEqualTo(410);
        assertThat(((SseStreams.Refusal) old).message()).contains("no longer").contains("3 messages").contains("without Last-Event-ID");
        assertThat(((SseStreams.Refusal) streams.find("s", "1-8")).status()).isEqualTo(400);
        assertThat(((SseStreams.Refusal) streams.find("s", "2-1")).status()).isEqualTo(400);
        assertThat(((SseStreams.Refusal) streams.find("s", "1-x")).status()).isEqualTo(400);
        assertThat(streams.find("t", "1-1")).isInstanceOf(SseStreams.UnknownSession.class);
    }

    @Test
    void aStreamKeepsAtMostItsCharacterBudgetButAlwaysItsNewestMessage() {
        var streams = new SseStreams(2000, 1000, 100, 16, 16, 1 << 30);
        var stream = streams.open("s").start(false, sink(new StringWriter()));
        stream.append("data: " + "x".repeat(60) + "\n\n");
        stream.append("data: " + "y".repeat(60) + "\n\n");
        assertThat(stream.keptCount()).isEqualTo(1);
        stream.append("data: " + "z".repeat(500) + "\n\n");
        assertThat(stream.keptCount()).isEqualTo(1);
        assertThat(streams.find("s", "1-3")).isInstanceOf(SseStreams.Resume.class);
        assertThat(streams.find("s", "1-2")).isInstanceOf(SseStreams.Refusal.class);
    }

    @Test
    void streamsAndSessionsBeyondTheirCapsAreForgottenAndTheirCursorsGone() {
        var streams = new SseStreams(2000, 1000, 1 << 20, 2, 2, 1 << 30);
        var a = streams.open("a");
        var first = a.start(false, sink(new StringWriter()));
        first.end();
        a.start(true, sink(new StringWriter()));
        a.start(false, sink(new StringWriter())); // the ended stream 1 goes
        var gone = (SseStreams.Refusal) streams.find("a", "1-1");
        assertThat(gone.status()).isEqualTo(410);
        assertThat(gone.message()).contains("stream 1").contains("2 streams");
        assertThat(streams.find("a", "2-1")).isInstanceOf(SseStreams.Resume.class);

        streams.open("b");
        streams.open("c"); // a is the least recently used
        var forgotten = (SseStreams.Refusal) streams.find("a", "2-1");
        assertThat(forgotten.status()).isEqualTo(410);
        assertThat(forgotten.message()).contains("session");
        // It comes back (the SDK still has it): its streams go on numbering where they were, so no id names two events.
        var back = streams.open("a").start(true, sink(new StringWriter()));
        assertThat(back.id(1)).isEqualTo("4-1");
        assertThat(((SseStreams.Refusal) streams.find("a", "2-1")).status()).isEqualTo(410);
        assertThat(streams.find("a", "4-1")).isInstanceOf(SseStreams.Resume.class);
        streams.close("b");
        assertThat(streams.find("b", "1-1")).as("a closed session is the SDK's to answer (404)").isInstanceOf(SseStreams.UnknownSession.class);
    }

    @Test
    void anEndedStreamsResumptionEndsAfterTheReplay() {
        var streams = new SseStreams(2000);
        var stream = streams.open("s").start(false, sink(new StringWriter()));
        stream.append(message(1));
        stream.end();
        var closed = new boolean[1];
        var out = new StringWriter();
        var r = (SseStreams.Resume) streams.find("s", "1-1");
        r.stream().resume(new SseStreams.Sink(new PrintWriter(out), () -> closed[0] = true), r.after());
        assertThat(out.toString()).isEqualTo("retry: 2000\n\nid: 1-2\n" + message(1));
        assertThat(closed[0]).isTrue();
    }

    @Test
    void pastItsBudgetASessionDropsItsEndedStreamsOldestFirst() {
        var streams = new SseStreams(2000, 1000, 1 << 20, 16, 16, 250);
        var session = streams.open("s");
        var listening = session.start(true, sink(new StringWriter()));
        listening.append("data: " + "l".repeat(92) + "\n\n"); // 100 characters
        for (int i = 0; i < 3; i++) {
            var call = session.start(false, sink(new StringWriter()));
            call.append("data: " + "r".repeat(92) + "\n\n");
            call.end();
        }
        // 400 kept is past 250: the ended streams 2 and 3 went, the live one and the newest call stay.
        assertThat(session.keptChars()).isEqualTo(200);
        assertThat(((SseStreams.Refusal) streams.find("s", "2-1")).status()).isEqualTo(410);
        assertThat(((SseStreams.Refusal) streams.find("s", "3-1")).status()).isEqualTo(410);
        assertThat(streams.find("s", "4-1")).isInstanceOf(SseStreams.Resume.class);
        assertThat(streams.find("s", "1-1")).isInstanceOf(SseStreams.Resume.class);
    }
}
