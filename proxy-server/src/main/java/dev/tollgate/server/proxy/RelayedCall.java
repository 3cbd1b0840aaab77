package dev.tollgate.server.proxy;

import dev.tollgate.core.usage.Usage;
import io.netty.handler.codec.http.HttpHeaders;

/**
 * A call as its relay sees it: the little a relay needs from the call, and the one way it reports
 * how its upstream attempt ended. A relay reads the upstream and writes the client's wire format;
 * settling, error statuses, the client going away and anything held for the call stay with the
 * call. Used on the call's event loop only.
 */
interface RelayedCall {
    /**
     * Headers of a successful answer: cost, model identity, call id, the customer's rate limits.
     * {@code usage} is null for a stream's head, whose cost is known only at its end.
     */
    HttpHeaders answerHeaders(Usage usage);

    /** Usage counted locally from the request and {@code completionText}, for an upstream that reported none. */
    Usage estimate(String completionText);

    /** Reports how the attempt ended. Exactly once per relay; the relay does nothing after it. */
    void end(RelayOutcome outcome);
}
