package dev.tollgate.server.proxy;

import dev.tollgate.core.usage.Usage;
import dev.tollgate.server.http.Exchange;
import dev.tollgate.server.proxy.RelayOutcome.Failed;
import dev.tollgate.server.upstream.UpstreamFlow;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.handler.codec.http.HttpResponse;

/**
 * A relay of a non-streaming answer: gathers the upstream body (without copying: the received
 * buffers become components of one composite) and hands head and body over once the last part is
 * in. A body that outgrows {@link #MAX_BODY} cancels the upstream and fails the call; the body is
 * released once on every path. Subclasses read the body and end the call.
 */
abstract class BufferedAnswerRelay implements Relay {
    /** Upper bound on a buffered upstream answer; a larger one is treated as a protocol failure. */
    static final int MAX_BODY = 64 * 1024 * 1024;

    protected final RelayedCall call;
    protected final Exchange exchange;
    private UpstreamFlow flow;
    private HttpResponse head;
    private CompositeByteBuf body;

    BufferedAnswerRelay(RelayedCall call, Exchange exchange) {
        this.call = call;
        this.exchange = exchange;
    }

    /** The whole answer has arrived; {@code body} is now the subclass's to release or forward. */
    protected abstract void complete(HttpResponse head, CompositeByteBuf body);

    @Override
    public final void onResponse(HttpResponse head, UpstreamFlow flow) {
        this.flow = flow;
        this.head = head;
        this.body = exchange.channel().alloc().compositeBuffer(1024);
    }

    @Override
    public final void onContent(ByteBuf content, boolean last) {
        if (body == null) {
            content.release();
            return;
        }
        body.addComponent(true, content);
        if (body.readableBytes() > MAX_BODY) {
            flow.cancel();
            onFailure(new IllegalStateException("upstream answer larger than " + MAX_BODY + " bytes"));
            return;
        }
        if (last) {
            CompositeByteBuf whole = body;
            body = null;
            complete(head, whole);
        }
    }

    @Override
    public final void onFailure(Throwable cause) {
        release();
        call.end(new Failed(cause));
    }

    @Override
    public final Usage abandon() {
        release();
        return call.estimate("");
    }

    private void release() {
        if (body != null) {
            body.release();
            body = null;
        }
    }
}
