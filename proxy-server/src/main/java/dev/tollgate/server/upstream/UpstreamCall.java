package dev.tollgate.server.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.pool.ChannelPool;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * One request on a pooled upstream connection. The connection reads on its own (auto-read) unless
 * the relay pauses it because the client is not keeping up, so a slow client slows the upstream
 * instead of filling memory. Auto-read rather than a read request per read: with the epoll
 * transport each such request and its reset are an {@code epoll_ctl} system call, several per
 * call. Everything runs on one event loop.
 */
public final class UpstreamCall implements UpstreamFlow {
    private final EventLoop loop;
    private final UpstreamListener listener;
    private ChannelPool pool;
    private Channel channel;
    private boolean done;
    private boolean reusable = true;
    private boolean paused;
    private ScheduledFuture<?> firstByteTimer;
    private ScheduledFuture<?> totalTimer;
    private long firstByteNanos;

    UpstreamCall(EventLoop loop, UpstreamListener listener) {
        this.loop = loop;
        this.listener = listener;
    }

    void armTimers(Duration firstByte, Duration total) {
        firstByteTimer = loop.schedule(
                () -> fail(new UpstreamFailure(
                        UpstreamFailure.Kind.FIRST_BYTE_TIMEOUT,
                        "Upstream did not answer within " + firstByte.toSeconds() + " s")),
                firstByte.toMillis(),
                TimeUnit.MILLISECONDS);
        totalTimer = loop.schedule(
                () -> fail(new UpstreamFailure(
                        UpstreamFailure.Kind.TOTAL_TIMEOUT,
                        "Upstream call exceeded the total timeout of " + total.toSeconds() + " s")),
                total.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    void attach(ChannelPool pool, Channel channel) {
        this.pool = pool;
        this.channel = channel;
    }

    boolean isDone() {
        return done;
    }

    /** Nanotime of the first response byte, 0 until then. */
    public long firstByteNanos() {
        return firstByteNanos;
    }

    @Override
    public void pause() {
        if (!paused && !done && channel != null) {
            paused = true;
            channel.config().setAutoRead(false);
        }
    }

    @Override
    public void resume() {
        if (paused) {
            paused = false;
            if (!done && channel != null) {
                channel.config().setAutoRead(true);
            }
        }
    }

    @Override
    public void cancel() {
        abandon();
    }

    void onHead(HttpResponse head) {
        if (done) {
            return;
        }
        firstByteNanos = System.nanoTime();
        if (firstByteTimer != null) {
            firstByteTimer.cancel(false);
        }
        reusable = HttpUtil.isKeepAlive(head);
        listener.onResponse(head, this);
    }

    void onContent(ByteBuf content, boolean last) {
        if (done) {
            ReferenceCountUtil.release(content);
            return;
        }
        if (last) {
            done = true;
            cancelTimers();
            if (!reusable) {
                channel.close();
            }
            release();
        }
        listener.onContent(content, last);
    }

    void onReadComplete() {
        if (!done) {
            listener.onReadComplete();
        }
    }

    void fail(Throwable cause) {
        if (abandon()) {
            listener.onFailure(cause);
        }
    }

    /** Ends the call without reuse of its connection; false when it had ended already. */
    private boolean abandon() {
        if (done) {
            return false;
        }
        done = true;
        cancelTimers();
        if (channel != null) {
            channel.close();
            release();
        }
        return true;
    }

    private void cancelTimers() {
        if (firstByteTimer != null) {
            firstByteTimer.cancel(false);
        }
        if (totalTimer != null) {
            totalTimer.cancel(false);
        }
    }

    private void release() {
        Channel ch = channel;
        if (ch != null && pool != null) {
            UpstreamHandler.detach(ch);
            if (paused) {
                ch.config().setAutoRead(true); // pooled connections read on their own (stray bytes, a close)
            }
            pool.release(ch);
            pool = null;
        }
    }
}
