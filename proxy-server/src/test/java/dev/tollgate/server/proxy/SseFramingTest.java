package dev.tollgate.server.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.core.sse.SseEvent;
import dev.tollgate.core.sse.SseRunSplitter;
import dev.tollgate.testing.LeakGuard;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link SseRunSplitter} and {@link SseEvent} as the relay uses them: bytes arrive in arbitrary
 * pieces (here: split at every offset, and one byte at a time), runs hold whole events only, the
 * events of the runs come out whole and byte for byte, with LF or CRLF framing, and no buffer
 * outlives the stream. The splitter runs inside an {@link EmbeddedChannel} handler so reference
 * counting is checked the Netty way.
 */
class SseFramingTest {
    static {
        LeakGuard.install();
    }

    private static final String LF_STREAM = "data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\n"
            + ": keep-alive\n\n"
            + "event: message\ndata: {\"x\":1}\n\n"
            + "data: line one\ndata: line two\n\n"
            + "data:nospace\n\n"
            + "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":1}}\n\n"
            + "data: [DONE]\n\n";

    @AfterAll
    static void noLeaks() throws Exception {
        LeakGuard.assertNoLeaks();
    }

    /** Feeds inbound ByteBufs through a splitter and fires each whole event of each run on as its own message. */
    private static final class SplitterHandler extends ChannelInboundHandlerAdapter {
        private SseRunSplitter splitter;

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            splitter = new SseRunSplitter(ctx.alloc());
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf run = splitter.feed((ByteBuf) msg);
            if (run == null) {
                return;
            }
            try {
                String text = run.toString(StandardCharsets.UTF_8);
                assertThat(text.endsWith("\n\n") || text.endsWith("\r\n\r\n"))
                        .as("a run ends on an event boundary: %s", text)
                        .isTrue();
                SseRunSplitter.forEachEvent(run, e -> ctx.fireChannelRead(e.retain()));
            } finally {
                run.release();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            ByteBuf rest = splitter.drainRemainder();
            if (rest != null) {
                ctx.fireChannelRead(rest);
            }
            ctx.fireChannelInactive();
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            splitter.close();
        }
    }

    private static List<String> readEvents(EmbeddedChannel ch) {
        List<String> out = new ArrayList<>();
        ByteBuf b;
        while ((b = ch.readInbound()) != null) {
            try {
                out.add(b.toString(StandardCharsets.UTF_8));
            } finally {
                b.release();
            }
        }
        return out;
    }

    private static List<String> expectedEvents(String stream, String blank) {
        List<String> out = new ArrayList<>();
        int from = 0;
        int end;
        while ((end = stream.indexOf(blank, from)) >= 0) {
            out.add(stream.substring(from, end + blank.length()));
            from = end + blank.length();
        }
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"LF", "CRLF"})
    void everySplitPointYieldsTheSameEventsByteForByte(String framing) {
        String stream = framing.equals("LF") ? LF_STREAM : LF_STREAM.replace("\n", "\r\n");
        List<String> expected = expectedEvents(stream, framing.equals("LF") ? "\n\n" : "\r\n\r\n");
        assertThat(expected).hasSize(7);
        byte[] bytes = stream.getBytes(StandardCharsets.UTF_8);
        for (int cut = 0; cut <= bytes.length; cut++) {
            EmbeddedChannel ch = new EmbeddedChannel(new SplitterHandler());
            ch.writeInbound(Unpooled.wrappedBuffer(bytes, 0, cut));
            ch.writeInbound(Unpooled.wrappedBuffer(bytes, cut, bytes.length - cut));
            assertThat(readEvents(ch)).as("cut at %d", cut).containsExactlyElementsOf(expected);
            assertThat(ch.finishAndReleaseAll()).isFalse();
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"LF", "CRLF"})
    void oneByteAtATimeYieldsTheSameEvents(String framing) {
        String stream = framing.equals("LF") ? LF_STREAM : LF_STREAM.replace("\n", "\r\n");
        EmbeddedChannel ch = new EmbeddedChannel(new SplitterHandler());
        List<String> got = new ArrayList<>();
        for (byte b : stream.getBytes(StandardCharsets.UTF_8)) {
            ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
            got.addAll(readEvents(ch));
        }
        assertThat(String.join("", got)).isEqualTo(stream);
        assertThat(got).hasSize(7);
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void anUnfinishedLastEventIsHandedOutAtTheEnd() {
        EmbeddedChannel ch = new EmbeddedChannel(new SplitterHandler());
        ch.writeInbound(Unpooled.copiedBuffer("data: 1\n\ndata: 2", StandardCharsets.UTF_8));
        assertThat(readEvents(ch)).containsExactly("data: 1\n\n");
        ch.close();
        assertThat(readEvents(ch)).containsExactly("data: 2");
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void aReadEndingOnAnEventBoundaryIsPassedOnAsItIs() {
        try (SseRunSplitter splitter = new SseRunSplitter(UnpooledByteBufAllocator.DEFAULT)) {
            ByteBuf whole = Unpooled.copiedBuffer("data: 1\n\ndata: 2\n\n", StandardCharsets.UTF_8);
            ByteBuf run = splitter.feed(whole);
            assertThat(run).as("no copy for the common case").isSameAs(whole);
            run.release();
            ByteBuf part = Unpooled.copiedBuffer("data: 3\n\ndata: 4", StandardCharsets.UTF_8);
            ByteBuf first = splitter.feed(part);
            assertThat(first.toString(StandardCharsets.UTF_8)).isEqualTo("data: 3\n\n");
            first.release();
            assertThat(part.refCnt())
                    .as("the rest was copied aside, the received buffer released")
                    .isZero();
            ByteBuf second = splitter.feed(Unpooled.copiedBuffer("\n\n", StandardCharsets.UTF_8));
            assertThat(second.toString(StandardCharsets.UTF_8)).isEqualTo("data: 4\n\n");
            second.release();
            assertThat(splitter.drainRemainder()).isNull();
        }
    }

    @Test
    void emptyChunksAreReleased() {
        EmbeddedChannel ch = new EmbeddedChannel(new SplitterHandler());
        ByteBuf empty = Unpooled.buffer(0);
        ch.writeInbound(empty);
        assertThat(empty.refCnt()).isZero();
        assertThat(readEvents(ch)).isEmpty();
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void dataFollowsTheWhatwgRules() {
        assertThat(data("data: {\"a\":1}\n\n")).isEqualTo("{\"a\":1}");
        assertThat(data("data: {\"a\":1}\r\n\r\n")).isEqualTo("{\"a\":1}");
        assertThat(data("data:x\n\n")).isEqualTo("x");
        assertThat(data("data:  two spaces\n\n")).isEqualTo(" two spaces");
        assertThat(data("data: one\ndata: two\n\n")).isEqualTo("one\ntwo");
        assertThat(data("data: one\r\ndata: two\r\n\r\n")).isEqualTo("one\ntwo");
        assertThat(data("event: ping\nid: 3\ndata: p\n\n")).isEqualTo("p");
        assertThat(data(": comment\n\n")).isNull();
        assertThat(data("event: only\n\n")).isNull();
        assertThat(data("data: h\u00e9llo \u2603\n\n")).isEqualTo("h\u00e9llo \u2603");
        assertThat(SseEvent.isDone(data("data: [DONE]\n\n"))).isTrue();
        assertThat(SseEvent.isDone(data("data: [DONE]\r\n\r\n"))).isTrue();
        assertThat(SseEvent.isDone(data("data: [DONE] \n\n"))).isFalse();
        assertThat(SseEvent.isDone(null)).isFalse();
    }

    private static String data(String event) {
        ByteBuf b = Unpooled.copiedBuffer(event, StandardCharsets.UTF_8);
        try {
            int before = b.readerIndex();
            String d = SseEvent.data(b);
            assertThat(b.readerIndex()).as("data() must not consume the event").isEqualTo(before);
            return d;
        } finally {
            b.release();
        }
    }
}
