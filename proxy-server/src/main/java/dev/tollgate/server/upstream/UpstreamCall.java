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
 * One request on a pooled upstream connection. Reads are explicit: the relay asks for more with
 * {@link #requestMore()} once the client has taken what it got, so a slow client slows the
 * upstream instead of filling memory. Everything runs on one event loop.
 */
public final class UpstreamCall {
    private final EventLoop loop;
    private final UpstreamListener listener;
    private ChannelPool pool;
    private Channel channel;
    private boolean done;
    private boolean cancelled;
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
        firstByteTimer = loop.schedule(() -> fail(new UpstreamFailure(UpstreamFailure.Kind.FIRST_BYTE_TIMEOUT,
                "Upstream did not answer within " + firstByte.toSeconds() + " s")), firstByte.toMillis(), TimeUnit.MILLISECONDS);
        totalTimer = loop.schedule(() -> fail(new UpstreamFailure(UpstreamFailure.Kind.TOTAL_TIMEOUT,
                "Upstream call exceeded the total timeout of " + total.toSeconds() + " s")), total.toMillis(), TimeUnit.MILLISECONDS);
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

    /** Stops reading from the upstream until {@link #resume()}: the client is not keeping up. */
    public void pause() {
        paused = true;
    }

    public void resume() {
        if (paused) {
            paused = false;
            if (!done && channel != null) {
                channel.read();
            }
        }
    }

    /** Whether the handler should ask the socket for more after a read completes. */
    boolean wantsMore() {
        return !done && !paused;
    }

    /** Abandons the call (client went away): the connection is closed, never reused. */
    public void cancel() {
        if (done) {
            return;
        }
        cancelled = true;
        done = true;
        cancelTimers();
        if (channel != null) {
            channel.close();
            release();
        }
    }

    public boolean cancelled() {
        return cancelled;
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
        listener.onResponse(head);
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
        if (done) {
            return;
        }
        done = true;
        cancelTimers();
        if (channel != null) {
            channel.close();
            release();
        }
        listener.onFailure(cause);
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
            pool.release(ch);
            pool = null;
        }
    }
}
