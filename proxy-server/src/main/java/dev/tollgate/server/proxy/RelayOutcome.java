package dev.tollgate.server.proxy;

import dev.tollgate.core.error.TollgateException;
import dev.tollgate.core.usage.Usage;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpResponse;

/**
 * How one upstream attempt ended, as its relay reports it ({@link RelayedCall#end}). After
 * {@link Failed} and {@link Refused} nothing has reached the client yet, so the call still decides
 * what the client gets; after {@link Answered} and {@link Broken} the relay has written the answer
 * and only its last bytes wait for the call to settle.
 */
sealed interface RelayOutcome {
    /** The upstream could not be reached, or failed before its answer started. */
    record Failed(Throwable cause) implements RelayOutcome {}

    /** The upstream answered with an error status; {@code body} (owned by the receiver) is its whole answer. */
    record Refused(HttpResponse head, ByteBuf body) implements RelayOutcome {}

    /**
     * The upstream answered with an error status, already mapped to the error the client gets
     * (a translated wire format, whose error shape is not OpenAI's).
     */
    record Rejected(TollgateException error) implements RelayOutcome {}

    /**
     * The answer is complete. {@code sendLast} writes its last bytes; the call runs it once the
     * spend is recorded, so a client that reads its spend right after the answer sees it.
     */
    record Answered(Usage usage, Runnable sendLast) implements RelayOutcome {}

    /** A started stream broke. {@code sendLast} ends it with the relay's error event, after settling. */
    record Broken(Usage usage, Runnable sendLast) implements RelayOutcome {}
}
