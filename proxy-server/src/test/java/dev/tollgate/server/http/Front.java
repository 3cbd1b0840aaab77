package dev.tollgate.server.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The server's HTTP pipeline ({@link ServerInitializer#addHttpHandlers}) on an
 * {@link EmbeddedChannel}, with scripted routes: {@code GET /fast} answers at once,
 * {@code POST /slow} holds its exchange until the test answers it (an asynchronous call such as a
 * proxied completion). Every route records the requests it started, in order.
 */
final class Front {
    final EmbeddedChannel ch = new EmbeddedChannel();
    /** "METHOD path" of every request a route started, in order. */
    final List<String> started = new ArrayList<>();
    /** Exchanges of {@code /slow} requests not answered yet, oldest first. */
    final List<Exchange> held = new ArrayList<>();

    Front(int maxBodyBytes, long deadlineMillis) {
        Router router = new Router()
                .add(HttpMethod.GET, "/fast", (req, ex) -> {
                    record(req);
                    ex.json(200, ("{\"answer\":\"" + req.uri() + "\"}").getBytes(StandardCharsets.UTF_8), null);
                })
                .add(HttpMethod.POST, "/slow", (req, ex) -> {
                    record(req);
                    held.add(ex);
                });
        ServerInitializer.addHttpHandlers(ch.pipeline(), router, maxBodyBytes, deadlineMillis);
    }

    private void record(FullHttpRequest req) {
        started.add(req.method() + " " + req.uri());
    }

    /** Answers the oldest held {@code /slow} exchange. */
    void answerSlow(String text) {
        held.remove(0).json(200, ("{\"answer\":\"" + text + "\"}").getBytes(StandardCharsets.UTF_8), null);
    }

    void send(String ascii) {
        ch.writeInbound(Unpooled.copiedBuffer(ascii, StandardCharsets.ISO_8859_1));
    }

    void sendByteByByte(String ascii) {
        for (byte b : ascii.getBytes(StandardCharsets.ISO_8859_1)) {
            if (!ch.isOpen()) {
                return;
            }
            ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
        }
    }

    /** Everything written to the client so far, as text; releases it. */
    String written() {
        StringBuilder sb = new StringBuilder();
        Object o;
        while ((o = ch.readOutbound()) != null) {
            ByteBuf b = (ByteBuf) o;
            sb.append(b.toString(StandardCharsets.UTF_8));
            b.release();
        }
        return sb.toString();
    }

    /** The status codes of the responses in {@code text}, in order. */
    static List<Integer> statuses(String text) {
        List<Integer> out = new ArrayList<>();
        int at = 0;
        while ((at = text.indexOf("HTTP/1.1 ", at)) >= 0) {
            out.add(Integer.parseInt(text.substring(at + 9, at + 12)));
            at += 12;
        }
        return out;
    }

    static String get(String path, String... headerLines) {
        StringBuilder sb = new StringBuilder("GET ").append(path).append(" HTTP/1.1\r\nHost: x\r\n");
        for (String h : headerLines) {
            sb.append(h).append("\r\n");
        }
        return sb.append("\r\n").toString();
    }

    static String post(String path, String body, String... headerLines) {
        StringBuilder sb = new StringBuilder("POST ").append(path).append(" HTTP/1.1\r\nHost: x\r\n");
        for (String h : headerLines) {
            sb.append(h).append("\r\n");
        }
        return sb.append("Content-Length: ")
                .append(body.length())
                .append("\r\n\r\n")
                .append(body)
                .toString();
    }
}
