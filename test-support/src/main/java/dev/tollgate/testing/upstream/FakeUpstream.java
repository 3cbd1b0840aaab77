package dev.tollgate.testing.upstream;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A fake OpenAI-compatible upstream on 127.0.0.1 that speaks the chat-completions wire format
 * byte for byte (JSON and SSE), with switchable latency, pacing and failure modes, and records what
 * it receives. Used as the upstream of the proxy's end-to-end tests and of the benchmark.
 *
 * <p>Routes: {@code POST /v1/chat/completions}, {@code POST /chat/completions},
 * {@code POST /openai/deployments/{deployment}/chat/completions?api-version=...},
 * {@code POST /v1/embeddings}, {@code POST /embeddings},
 * {@code POST /openai/deployments/{deployment}/embeddings}, {@code GET /v1/models}; anything else
 * is a 404 OpenAI error. Every request, whatever its route, is recorded.
 *
 * <pre>{@code
 * try (FakeUpstream upstream = FakeUpstream.start(FakeUpstreamOptions.defaults().chunkCount(3))) {
 *     // point the proxy at upstream.baseUrl()
 * }
 * }</pre>
 */
public final class FakeUpstream implements AutoCloseable {
    /** Large enough for any realistic prompt; Netty answers a bare 413 above it. */
    private static final int MAX_BODY_BYTES = 16 * 1024 * 1024;

    private final FakeUpstreamOptions options;
    private final EventLoopGroup group;
    private final Channel serverChannel;
    private final RequestLog log;
    private final int port;
    private final AtomicBoolean closed = new AtomicBoolean();

    private FakeUpstream(FakeUpstreamOptions options, EventLoopGroup group, Channel serverChannel, RequestLog log) {
        this.options = options;
        this.group = group;
        this.serverChannel = serverChannel;
        this.log = log;
        this.port = ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    /** Starts with {@link FakeUpstreamOptions#defaults()} on a free port. */
    public static FakeUpstream start() {
        return start(FakeUpstreamOptions.defaults());
    }

    /** Binds 127.0.0.1 on {@code options.port()} (0: a free port) and starts serving. */
    public static FakeUpstream start(FakeUpstreamOptions options) {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(
                options.ioThreads(), new DefaultThreadFactory("fake-upstream"), NioIoHandler.newFactory());
        try {
            RequestLog log = new RequestLog(options::maxRecordedRequests);
            // Shared by all connections so chat ids are unique per server.
            AtomicLong ids = new AtomicLong();
            ServerBootstrap bootstrap = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline()
                                    .addLast(
                                            new HttpServerCodec(),
                                            new HttpObjectAggregator(MAX_BODY_BYTES),
                                            new FakeUpstreamHandler(options, log, ids));
                        }
                    });
            Channel channel = bootstrap
                    .bind("127.0.0.1", options.port())
                    .syncUninterruptibly()
                    .channel();
            return new FakeUpstream(options, group, channel, log);
        } catch (RuntimeException e) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
            throw e;
        }
    }

    /** The live options; change them between (or during) calls. */
    public FakeUpstreamOptions options() {
        return options;
    }

    public int port() {
        return port;
    }

    /** {@code http://127.0.0.1:PORT/v1}, what an OpenAI client takes as its base URL. */
    public String baseUrl() {
        return "http://127.0.0.1:" + port + "/v1";
    }

    /** Requests received since start or the last {@link #reset()}, on every route. */
    public int requestCount() {
        return log.requestCount();
    }

    /** The most recent requests, oldest first, up to {@link FakeUpstreamOptions#maxRecordedRequests()}. */
    public List<RecordedRequest> requests() {
        return log.requests();
    }

    /** The newest request, or {@code null} when none was received. */
    public RecordedRequest lastRequest() {
        return log.last();
    }

    /** Connections currently open. */
    public int activeConnections() {
        return log.activeConnections();
    }

    /**
     * Connections the peer closed (or reset) while a streaming chat request on them was still
     * being answered, including during the latency wait and a {@link FakeFailure#STALL}.
     */
    public int connectionsClosedByPeerDuringStream() {
        return log.connectionsClosedByPeerDuringStream();
    }

    /** Waits until at least {@code n} requests were received; false on timeout. */
    public boolean awaitRequests(int n, Duration timeout) throws InterruptedException {
        return log.awaitRequests(n, timeout);
    }

    /** Forgets recorded requests and zeroes the counters (open connections stay counted). */
    public void reset() {
        log.reset();
    }

    /** Closes every connection and shuts the event loops down; waits until they are gone. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        log.stopping();
        serverChannel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
