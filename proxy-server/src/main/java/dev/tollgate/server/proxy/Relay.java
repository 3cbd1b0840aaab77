package dev.tollgate.server.proxy;

import dev.tollgate.core.usage.Usage;
import dev.tollgate.server.upstream.UpstreamListener;

/**
 * Relays one upstream answer to the client, reporting its end through {@link RelayedCall#end}.
 * One relay per upstream attempt.
 */
interface Relay extends UpstreamListener {
    /**
     * The client went away and the upstream call is already cancelled: drops what is buffered and
     * returns the usage produced so far, which the call still charges. No outcome follows.
     */
    Usage abandon();
}
