package dev.tollgate.core.limits.redis;

import io.lettuce.core.resource.EventLoopGroupProvider;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutorGroup;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ImmediateEventExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Lends Lettuce event loops it does not own: whatever group class Lettuce asks for (it asks for
 * the class of its preferred transport, e.g. an epoll group), it gets this group. Lettuce only
 * uses the answer as an {@link EventLoopGroup}, and {@link RedisLoopResources} makes its
 * bootstrap use a channel class that fits the lent loops. Releasing or shutting down does
 * nothing: the owner (the proxy server) stops the loops itself, after the Redis clients closed.
 */
final class BorrowedEventLoops implements EventLoopGroupProvider {
    private final EventLoopGroup group;
    private final int size;

    /** @param group a whole group, or a single event loop (which is a group of one) */
    BorrowedEventLoops(EventLoopGroup group) {
        this.group = group;
        int n = 0;
        for (var ignored : group) {
            n++;
        }
        this.size = n;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T extends EventLoopGroup> T allocate(Class<T> type) {
        // The cast is unchecked (erased to EventLoopGroup), which is all Lettuce relies on.
        return (T) group;
    }

    @Override
    public int threadPoolSize() {
        return size;
    }

    @Override
    public Future<Boolean> release(EventExecutorGroup eventLoopGroup, long quietPeriod, long timeout, TimeUnit unit) {
        return ImmediateEventExecutor.INSTANCE.newSucceededFuture(true);
    }

    @Override
    public Future<Boolean> shutdown(long quietPeriod, long timeout, TimeUnit timeUnit) {
        return ImmediateEventExecutor.INSTANCE.newSucceededFuture(true);
    }
}
