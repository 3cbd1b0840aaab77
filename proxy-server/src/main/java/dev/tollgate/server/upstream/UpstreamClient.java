package dev.tollgate.server.upstream;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.channel.pool.AbstractChannelPoolHandler;
import io.netty.channel.pool.ChannelHealthChecker;
import io.netty.channel.pool.ChannelPool;
import io.netty.channel.pool.SimpleChannelPool;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.FastThreadLocal;
import java.net.ConnectException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import javax.net.ssl.SSLException;

/**
 * Sends requests to upstream providers over keep-alive connections pooled per event loop: a call
 * uses a connection of the client connection's own event loop, so both sockets live on one thread
 * and no handoff or lock is needed.
 */
public final class UpstreamClient {
    private final Class<? extends SocketChannel> socketChannel;
    private final Duration connectTimeout;
    private final SslContext sslContext;
    /** Pools of the current event loop, keyed by scheme://host:port. Touched only on that loop. */
    private final FastThreadLocal<Map<String, ChannelPool>> pools = new FastThreadLocal<>() {
        @Override
        protected Map<String, ChannelPool> initialValue() {
            return new HashMap<>();
        }
    };

    /** @param socketChannel the channel class that fits the event loops calls are made on (NIO or epoll) */
    public UpstreamClient(Duration connectTimeout, Class<? extends SocketChannel> socketChannel) {
        this.connectTimeout = connectTimeout;
        this.socketChannel = socketChannel;
        try {
            this.sslContext = SslContextBuilder.forClient().build();
        } catch (SSLException e) {
            throw new IllegalStateException("Cannot initialise TLS for upstream calls", e);
        }
    }

    /**
     * Sends {@code request} (ownership taken) and reports the response to {@code listener}.
     * Must be called on {@code loop}.
     */
    public UpstreamCall send(
            EventLoop loop,
            UpstreamTarget target,
            FullHttpRequest request,
            UpstreamListener listener,
            Duration firstByteTimeout,
            Duration totalTimeout) {
        UpstreamCall call = new UpstreamCall(loop, listener);
        call.armTimers(firstByteTimeout, totalTimeout);
        ChannelPool pool = pools.get().computeIfAbsent(target.poolKey(), k -> newPool(loop, target));
        pool.acquire().addListener(f -> {
            if (!f.isSuccess()) {
                ReferenceCountUtil.release(request);
                call.fail(connectFailure(target, f.cause()));
                return;
            }
            Channel ch = (Channel) f.getNow();
            if (call.isDone()) {
                // Timed out or cancelled while connecting: hand the connection back unused.
                ReferenceCountUtil.release(request);
                pool.release(ch);
                return;
            }
            call.attach(pool, ch);
            UpstreamHandler.attach(ch, call);
            ch.writeAndFlush(request).addListener(w -> {
                if (!w.isSuccess()) {
                    call.fail(new UpstreamFailure(
                            UpstreamFailure.Kind.RESET, "Could not send the request upstream: " + w.cause()));
                }
            });
        });
        return call;
    }

    private static UpstreamFailure connectFailure(UpstreamTarget target, Throwable cause) {
        if (cause instanceof ConnectTimeoutException) {
            return new UpstreamFailure(
                    UpstreamFailure.Kind.CONNECT_TIMEOUT, "Timed out connecting to upstream " + target.hostHeader());
        }
        if (cause instanceof ConnectException) {
            return new UpstreamFailure(
                    UpstreamFailure.Kind.CONNECT_REFUSED,
                    "Upstream " + target.hostHeader() + " refused the connection");
        }
        return new UpstreamFailure(
                UpstreamFailure.Kind.CONNECT_REFUSED,
                "Cannot connect to upstream " + target.hostHeader() + ": " + cause.getMessage());
    }

    private ChannelPool newPool(EventLoop loop, UpstreamTarget target) {
        Bootstrap b = new Bootstrap()
                .group(loop)
                .channel(socketChannel)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) connectTimeout.toMillis())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .remoteAddress(target.host(), target.port());
        return new SimpleChannelPool(
                b,
                new AbstractChannelPoolHandler() {
                    @Override
                    public void channelCreated(Channel ch) {
                        ChannelPipeline p = ch.pipeline();
                        if (target.tls()) {
                            p.addLast("tls", sslContext.newHandler(ch.alloc(), target.host(), target.port()));
                        }
                        p.addLast("codec", new HttpClientCodec());
                        p.addLast("upstream", new UpstreamHandler());
                    }
                },
                ChannelHealthChecker.ACTIVE,
                true,
                true);
    }
}
