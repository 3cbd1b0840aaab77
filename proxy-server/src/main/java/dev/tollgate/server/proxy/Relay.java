package dev.tollgate.server.proxy;

import dev.tollgate.server.upstream.UpstreamListener;

/** An upstream listener that also learns when the client went away mid-call. */
interface Relay extends UpstreamListener {
    /** The client closed its connection; the upstream call is already cancelled. Settle what was produced. */
    void clientGone();
}
