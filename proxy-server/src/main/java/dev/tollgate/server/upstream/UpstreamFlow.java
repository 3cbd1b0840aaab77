package dev.tollgate.server.upstream;

/**
 * Control over one upstream response in progress, handed to its listener with the response head.
 * All methods run on the call's event loop.
 */
public interface UpstreamFlow {
    /** Stops reading from the upstream until {@link #resume()}: the client is not keeping up. */
    void pause();

    void resume();

    /** Abandons the call: the connection is closed, never reused, and the listener hears no more. */
    void cancel();
}
