package dev.tollgate.server.proxy;

import dev.tollgate.core.error.TollgateException;

/**
 * Hears about calls turned away before reaching a model: why (admission's reason, counted as it is
 * decided) and, once the refusal is sent, the call itself with its status. The metrics implement it.
 */
@FunctionalInterface
public interface RefusalListener {
    /** A refusal (or degraded admission) decided, by reason. */
    void refusal(RefusalReason reason);

    /**
     * A completion call answered with an error before any model answered it.
     *
     * @param model the configured model group the call named, or null when it named none or an unknown one
     *              (or was refused before its body was read)
     * @param route the route as call records name it
     */
    default void refusedCall(String model, String route, boolean stream, TollgateException refusal) {}
}
