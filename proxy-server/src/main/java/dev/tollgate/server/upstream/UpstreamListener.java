package dev.tollgate.server.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpResponse;

/**
 * Receives one upstream response, on the client connection's event loop. Exactly one of
 * {@code onContent(.., last=true)} or {@code onFailure} ends a call.
 */
public interface UpstreamListener {
    /** The response head arrived; {@code flow} pauses, resumes or cancels the rest of the response. */
    void onResponse(HttpResponse head, UpstreamFlow flow);

    /** Takes ownership of {@code content}: release or forward it. */
    void onContent(ByteBuf content, boolean last);

    void onFailure(Throwable cause);

    /**
     * The upstream connection finished one read (which may have carried several
     * {@link #onContent} parts): the moment to flush what was relayed, once.
     */
    default void onReadComplete() {}
}
