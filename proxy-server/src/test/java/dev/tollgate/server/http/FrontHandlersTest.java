package dev.tollgate.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.core.error.ErrorKind;
import dev.tollgate.core.error.TollgateException;
import dev.tollgate.core.json.Json;
import dev.tollgate.testing.LeakGuard;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * {@link DecoderFailureHandler} and {@link JsonBodyAggregator} on an {@link EmbeddedChannel},
 * behind the real {@link HttpServerCodec} with the server's limits, fed byte by byte where the
 * framing matters. Every case ends with nothing left in the channel.
 */
class FrontHandlersTest {
    static {
        LeakGuard.install();
    }

    private static final int MAX_BODY = 100;

    @AfterAll
    static void noLeaks() throws Exception {
        LeakGuard.assertNoLeaks();
    }

    private static EmbeddedChannel front() {
        return new EmbeddedChannel(
                new HttpServerCodec(ServerInitializer.MAX_INITIAL_LINE, ServerInitializer.MAX_HEADER_SIZE, 65536),
                new DecoderFailureHandler(),
                new JsonBodyAggregator(MAX_BODY));
    }

    private static void writeByteByByte(EmbeddedChannel ch, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.ISO_8859_1);
        for (byte b : bytes) {
            if (!ch.isOpen()) {
                return;
            }
            ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
        }
    }

    /** All response bytes written so far, as text; releases them. */
    private static String outbound(EmbeddedChannel ch) {
        StringBuilder sb = new StringBuilder();
        Object o;
        while ((o = ch.readOutbound()) != null) {
            ByteBuf b = (ByteBuf) o;
            sb.append(b.toString(StandardCharsets.UTF_8));
            b.release();
        }
        return sb.toString();
    }

    private static int status(String response) {
        return Integer.parseInt(response.substring(9, 12));
    }

    private static JsonNode errorOf(String response) throws Exception {
        JsonNode root = Json.MAPPER.readTree(response.substring(response.indexOf("\r\n\r\n") + 4));
        JsonNode e = root.get("error");
        assertThat(e).as(response).isNotNull();
        assertThat(e.has("message") && e.has("type") && e.has("param") && e.has("code"))
                .as(response)
                .isTrue();
        return e;
    }

    @Test
    void validRequestFedByteByBytePassesAsOneFullRequest() {
        EmbeddedChannel ch = front();
        String body = "{\"model\":\"m\"}";
        writeByteByByte(
                ch,
                "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length() + "\r\n\r\n"
                        + body);
        FullHttpRequest req = ch.readInbound();
        assertThat(req).isNotNull();
        assertThat(req.uri()).isEqualTo("/v1/chat/completions");
        assertThat(req.content().toString(StandardCharsets.UTF_8)).isEqualTo(body);
        req.release();
        assertThat((Object) ch.readInbound()).isNull();
        assertThat(outbound(ch)).isEmpty();
        assertThat(ch.isOpen()).isTrue();
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void crlfAndChunkedBodyFedByteByByteIsAggregated() {
        EmbeddedChannel ch = front();
        writeByteByByte(
                ch,
                "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "5\r\n{\"a\":\r\n3\r\n12}\r\n0\r\n\r\n");
        FullHttpRequest req = ch.readInbound();
        assertThat(req.content().toString(StandardCharsets.UTF_8)).isEqualTo("{\"a\":12}");
        req.release();
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void tooLongUrlIsJson414AndClosesAndLaterBytesAreDropped() throws Exception {
        Front f = new Front(MAX_BODY, 30_000);
        f.sendByteByByte("GET /" + "a".repeat(ServerInitializer.MAX_INITIAL_LINE + 10) + " HTTP/1.1\r\n\r\n");
        String res = f.written();
        assertThat(status(res)).isEqualTo(414);
        assertThat(errorOf(res).get("code").asText()).isEqualTo("uri_too_long");
        assertThat(res).contains("content-type: application/json").contains("connection: close");
        assertThat(f.ch.isOpen()).isFalse();
        assertThat(f.started).isEmpty();
        assertThat(f.ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void tooLargeHeadersAreJson431() throws Exception {
        Front f = new Front(MAX_BODY, 30_000);
        f.send("GET / HTTP/1.1\r\nX-A: " + "b".repeat(ServerInitializer.MAX_HEADER_SIZE) + "\r\n\r\n");
        String res = f.written();
        assertThat(status(res)).isEqualTo(431);
        assertThat(errorOf(res).get("code").asText()).isEqualTo("headers_too_large");
        assertThat(f.ch.isOpen()).isFalse();
        assertThat(f.ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void garbageFramingIsJson400AndTheRestIsIgnored() throws Exception {
        Front f = new Front(MAX_BODY, 30_000);
        f.send("POST / HTTP/1.1\r\nContent-Length: twelve\r\n\r\nGET /fast HTTP/1.1\r\n\r\n");
        String res = f.written();
        assertThat(Front.statuses(res)).containsExactly(400);
        assertThat(errorOf(res).get("type").asText()).isEqualTo("invalid_request_error");
        assertThat(res).doesNotContain("Exception");
        assertThat(f.started).isEmpty();
        assertThat(f.ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void decoderFailuresAreClassified() {
        TollgateException frame = DecoderFailureHandler.classify(new TooLongFrameException("x"));
        assertThat(frame.kind()).isEqualTo(ErrorKind.HEADERS_TOO_LARGE);
        assertThat(DecoderFailureHandler.classify(new IllegalArgumentException("x"))
                        .status())
                .isEqualTo(400);
    }

    @Test
    void contentLengthOverLimitIsJson413BeforeAnyBodyByte() throws Exception {
        Front f = new Front(MAX_BODY, 30_000);
        f.sendByteByByte("POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: " + (MAX_BODY + 1) + "\r\n\r\n");
        String res = f.written();
        assertThat(status(res)).isEqualTo(413);
        assertThat(errorOf(res).get("code").asText()).isEqualTo("request_too_large");
        assertThat(res).contains("connection: close");
        assertThat(f.ch.isOpen()).isFalse();
        assertThat(f.started).isEmpty();
        assertThat(f.ch.finishAndReleaseAll()).isFalse();
    }

    /** The refusal the aggregator passed on instead of a request; asserts nothing else came. */
    private static TollgateException rejection(EmbeddedChannel ch) {
        Object in = ch.readInbound();
        assertThat(in).isInstanceOf(Rejection.class);
        assertThat((Object) ch.readInbound()).isNull();
        return ((Rejection) in).failure();
    }

    @Test
    void chunkedBodyOverLimitIsA413Rejection() {
        EmbeddedChannel ch = new EmbeddedChannel(new JsonBodyAggregator(MAX_BODY));
        HttpRequest head = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/v1/chat/completions");
        HttpUtil.setTransferEncodingChunked(head, true);
        ch.writeInbound(head);
        ch.writeInbound(new DefaultHttpContent(Unpooled.wrappedBuffer(new byte[60])));
        assertThat((Object) ch.readInbound()).isNull();
        ch.writeInbound(new DefaultHttpContent(Unpooled.wrappedBuffer(new byte[60])));
        TollgateException e = rejection(ch);
        assertThat(e.status()).isEqualTo(413);
        assertThat(e.kind()).isEqualTo(ErrorKind.PAYLOAD_TOO_LARGE);
        // The rest of the body is dropped; nothing is written here (the dispatcher answers in turn).
        ch.writeInbound(new DefaultLastHttpContent(Unpooled.wrappedBuffer(new byte[10])));
        assertThat((Object) ch.readInbound()).isNull();
        assertThat((Object) ch.readOutbound()).isNull();
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void expectContinueOverLimitIsRefusedWithoutContinueAndContinueUnderLimitIsGranted() throws Exception {
        EmbeddedChannel ch = new EmbeddedChannel(new JsonBodyAggregator(MAX_BODY));
        HttpRequest big = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/v1/chat/completions");
        big.headers().set(HttpHeaderNames.EXPECT, "100-continue").setInt(HttpHeaderNames.CONTENT_LENGTH, MAX_BODY * 10);
        ch.writeInbound(big);
        assertThat((Object) ch.readOutbound()).as("no 100 Continue").isNull();
        assertThat(rejection(ch).status()).isEqualTo(413);
        assertThat(ch.finishAndReleaseAll()).isFalse();

        EmbeddedChannel ok = new EmbeddedChannel(new JsonBodyAggregator(MAX_BODY));
        HttpRequest small = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/v1/chat/completions");
        small.headers().set(HttpHeaderNames.EXPECT, "100-continue").setInt(HttpHeaderNames.CONTENT_LENGTH, 2);
        ok.writeInbound(small);
        FullHttpResponse cont = ok.readOutbound();
        assertThat(cont.status().code()).isEqualTo(100);
        cont.release();
        ok.writeInbound(new DefaultLastHttpContent(Unpooled.copiedBuffer("{}", StandardCharsets.UTF_8)));
        FullHttpRequest req = ok.readInbound();
        assertThat(req.content().toString(StandardCharsets.UTF_8)).isEqualTo("{}");
        assertThat(req.headers().contains(HttpHeaderNames.EXPECT)).isFalse();
        ReferenceCountUtil.release(req);
        assertThat(ok.isOpen()).isTrue();
        assertThat(ok.finishAndReleaseAll()).isFalse();
    }

    @Test
    void lastContentOnlyRequestWithEmptyBodyIsAggregated() {
        EmbeddedChannel ch = new EmbeddedChannel(new JsonBodyAggregator(MAX_BODY));
        HttpRequest head = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/x");
        head.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        ch.writeInbound(head, LastHttpContent.EMPTY_LAST_CONTENT);
        FullHttpRequest req = ch.readInbound();
        assertThat(req.content().readableBytes()).isZero();
        req.release();
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }
}
