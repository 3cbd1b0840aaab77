package dev.tollgate.core.limits.redis;

import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.NettyCustomizer;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.resolver.dns.DefaultDnsCache;
import io.netty.resolver.dns.DefaultDnsCnameCache;
import io.netty.resolver.dns.DnsAddressResolverGroup;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Lettuce client resources that run Redis channels on event loops owned by someone else (the
 * proxy server's workers) instead of Lettuce's own I/O threads. A command sent from the event
 * loop its connection is registered on is written without a thread hop, and its reply completes
 * the command's future on that same loop, so the caller's continuation can run inline.
 *
 * <p>{@link #shared()} spreads a client's channels over the whole group (for connections used
 * from anywhere, e.g. the invalidation bus); {@link #pinned()} has one resources object per
 * loop, each of which registers every channel of its client on that one loop. All of them share
 * one timer (command timeouts, reconnect delays) and one small Lettuce computation pool (timeout
 * completion, reconnection, cluster topology refresh, events), so that work never runs on the
 * borrowed loops.
 *
 * <p>Closing this object shuts down the timer and the computation pool, never the loops: close
 * the Redis clients first, then this, then the loops.
 */
public final class RedisLoopResources implements AutoCloseable {
    /** One event loop and the Lettuce I/O bound to it. */
    public record Pinned(EventLoop loop, RedisIo io) {}

    private final RedisIo shared;
    private final List<Pinned> pinned;
    private final DnsAddressResolverGroup resolvers;

    /** @param loops a NIO or epoll event loop group that outlives every client made from this */
    @SuppressWarnings("unchecked")
    public RedisLoopResources(EventLoopGroup loops) {
        Class<? extends Channel> channelClass = socketChannelFor(loops);
        // Lettuce's default resolver also makes channels of its own transport; this one resolves
        // host names asynchronously with channels that fit the loops.
        this.resolvers = new DnsAddressResolverGroup(new DnsNameResolverBuilder()
                .datagramChannelType(datagramChannelFor(channelClass))
                .socketChannelType((Class<? extends SocketChannel>) channelClass)
                .cnameCache(new DefaultDnsCnameCache())
                .resolveCache(new DefaultDnsCache()));
        ClientResources base = DefaultClientResources.builder()
                .eventLoopGroupProvider(new BorrowedEventLoops(loops))
                .addressResolverGroup(resolvers)
                .nettyCustomizer(new CoalescedFlushes())
                .build();
        this.shared = new RedisIo(base, channelClass);
        List<Pinned> list = new ArrayList<>();
        for (EventExecutor e : loops) {
            EventLoop loop = (EventLoop) e;
            // mutate() reuses the shared timer, computation pool and event bus (marked as not
            // owned, so shutting this copy down leaves them to the shared instance).
            ClientResources one = base.mutate()
                    .eventLoopGroupProvider(new BorrowedEventLoops(loop))
                    .build();
            list.add(new Pinned(loop, new RedisIo(one, channelClass)));
        }
        this.pinned = List.copyOf(list);
    }

    /** Resources whose clients spread their channels over the whole group. */
    public RedisIo shared() {
        return shared;
    }

    /**
     * Coalesces the flushes of a Redis connection within one event-loop turn: the admits and
     * settles that the calls handled in one turn issue go out in one write (one system call, and
     * one read on the Redis side) instead of one each. Lettuce still flushes every command; the
     * handler turns those flushes into one, run as a task after the turn's I/O (or after a read
     * of this channel, when they happen inside it).
     */
    private static final class CoalescedFlushes implements NettyCustomizer {
        @Override
        public void afterChannelInitialized(Channel channel) {
            channel.pipeline().addFirst("tollgate-flush-consolidation", new FlushConsolidationHandler(256, true));
        }
    }

    /** One resources object per event loop of the group, in the group's order. */
    public List<Pinned> pinned() {
        return pinned;
    }

    @Override
    public void close() {
        for (Pinned p : pinned) {
            p.io().resources().shutdown(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
        shared.resources().shutdown(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        resolvers.close();
    }

    /**
     * The socket channel class that registers on {@code loops} (see {@link RedisIo} for why
     * Lettuce's own choice does not do).
     */
    static Class<? extends Channel> socketChannelFor(EventLoopGroup loops) {
        if (loops instanceof IoEventLoopGroup io) {
            if (io.isIoType(NioIoHandler.class)) {
                return NioSocketChannel.class;
            }
            if (io.isIoType(EpollIoHandler.class)) {
                return EpollSocketChannel.class;
            }
        }
        throw new IllegalArgumentException("Redis on borrowed event loops needs NIO or epoll loops, not "
                + loops.getClass().getName());
    }

    private static Class<? extends DatagramChannel> datagramChannelFor(Class<? extends Channel> socketChannel) {
        return socketChannel == EpollSocketChannel.class ? EpollDatagramChannel.class : NioDatagramChannel.class;
    }
}
