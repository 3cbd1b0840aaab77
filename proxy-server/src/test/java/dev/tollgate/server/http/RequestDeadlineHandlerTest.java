package dev.tollgate.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class RequestDeadlineHandlerTest {

    @Test
    void trickledRequestGets408AndClose() throws Exception {
        EmbeddedChannel ch = new EmbeddedChannel(new HttpServerCodec(), new RequestDeadlineHandler(50));
        ch.writeInbound(Unpooled.copiedBuffer(
                "POST /chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{",
                StandardCharsets.US_ASCII));
        // The request head passed through; release what the next handler would have consumed.
        Object head;
        while ((head = ch.readInbound()) != null) {
            ReferenceCountUtil.release(head);
        }
        ch.advanceTimeBy(100, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        ch.runPendingTasks();
        ByteBuf out = Unpooled.buffer();
        Object o;
        while ((o = ch.readOutbound()) != null) {
            out.writeBytes((ByteBuf) o);
            ((ByteBuf) o).release();
        }
        String text = out.toString(StandardCharsets.US_ASCII);
        out.release();
        assertThat(text).startsWith("HTTP/1.1 408").contains("\"code\":\"request_timeout\"");
        assertThat(ch.isActive()).isFalse();
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void completeRequestCancelsTheDeadline() {
        EmbeddedChannel ch = new EmbeddedChannel(new HttpServerCodec(), new RequestDeadlineHandler(50));
        ch.writeInbound(
                Unpooled.copiedBuffer("GET /health/liveliness HTTP/1.1\r\nHost: x\r\n\r\n", StandardCharsets.US_ASCII));
        Object in;
        int parts = 0;
        while ((in = ch.readInbound()) != null) {
            parts++;
            ReferenceCountUtil.release(in);
        }
        assertThat(parts).isEqualTo(2);
        ch.advanceTimeBy(100, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertThat((Object) ch.readOutbound()).isNull();
        assertThat(ch.isActive()).isTrue();
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }
}
