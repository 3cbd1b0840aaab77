package dev.tollgate.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Streamed chunks framed by {@link ChunkFraming} are the very bytes Netty's HTTP encoder would write. */
class ChunkFramingTest {
    @Test
    void framingMatchesNettysEncoderForEverySizeClass() {
        for (int n : new int[] {1, 15, 16, 255, 256, 4095, 8192, 8193, 70_000}) {
            byte[] body = new byte[n];
            Arrays.fill(body, (byte) 'a');
            body[n - 1] = 'z';
            ByteBuf ours = ChunkFraming.frame(ByteBufAllocator.DEFAULT, Unpooled.wrappedBuffer(body));
            try {
                assertThat(ours.toString(StandardCharsets.ISO_8859_1))
                        .as("size %d", n)
                        .isEqualTo(encoded(body));
            } finally {
                ours.release();
            }
        }
    }

    /** What the encoder writes for one content piece after a chunked head. */
    private static String encoded(byte[] body) {
        EmbeddedChannel ch = new EmbeddedChannel(new HttpResponseEncoder());
        DefaultHttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        HttpUtil.setTransferEncodingChunked(head, true);
        ch.writeOutbound(head);
        ByteBuf h;
        while ((h = ch.readOutbound()) != null) {
            h.release();
        }
        ch.writeOutbound(new DefaultHttpContent(Unpooled.wrappedBuffer(body)));
        StringBuilder out = new StringBuilder();
        ByteBuf b;
        while ((b = ch.readOutbound()) != null) {
            out.append(b.toString(StandardCharsets.ISO_8859_1));
            b.release();
        }
        ch.finishAndReleaseAll();
        return out.toString();
    }
}
