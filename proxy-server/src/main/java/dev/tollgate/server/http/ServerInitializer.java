package dev.tollgate.server.http;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;

/** The client-facing pipeline; each handler one concern. */
public final class ServerInitializer extends ChannelInitializer<SocketChannel> {
    /** The HTTP codec's name in the pipeline; streamed chunks are written from its place (see {@link Exchange}). */
    static final String CODEC = "codec";

    /** Request line (method + URL) limit: longer URLs get a JSON 414. */
    public static final int MAX_INITIAL_LINE = 8192;
    /** Total header size limit: larger headers get a JSON 431. */
    public static final int MAX_HEADER_SIZE = 16384;
    /**
     * A request (head and body) must arrive within this time of its first byte; slow-loris
     * clients, trickling either, are cut off with a 408.
     */
    public static final long REQUEST_DEADLINE_MILLIS = 30_000;

    private final Router router;
    private final int maxBodyBytes;
    private final long idleSeconds;
    private final ChannelGroup clients;

    public ServerInitializer(Router router, int maxBodyBytes, long idleSeconds, ChannelGroup clients) {
        this.router = router;
        this.maxBodyBytes = maxBodyBytes;
        this.idleSeconds = idleSeconds;
        this.clients = clients;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        clients.add(ch);
        ChannelPipeline p = ch.pipeline();
        p.addLast("idle", new IdleStateHandler(idleSeconds, 0, 0, TimeUnit.SECONDS));
        p.addLast("idle-closer", new IdleClientCloser());
        addHttpHandlers(p, router, maxBodyBytes, REQUEST_DEADLINE_MILLIS);
    }

    /** The HTTP part of the pipeline, from raw bytes to the dispatcher (tests build it on an EmbeddedChannel). */
    static void addHttpHandlers(ChannelPipeline p, Router router, int maxBodyBytes, long requestDeadlineMillis) {
        RequestDeadlineHandler deadline = new RequestDeadlineHandler(requestDeadlineMillis);
        p.addLast("request-start", deadline.requestStart());
        p.addLast(CODEC, new HttpServerCodec(MAX_INITIAL_LINE, MAX_HEADER_SIZE, 65536));
        p.addLast("decode-failures", new DecoderFailureHandler());
        p.addLast("request-deadline", deadline);
        p.addLast("aggregator", new JsonBodyAggregator(maxBodyBytes));
        p.addLast("dispatcher", new RequestDispatcher(router));
    }
}
