/**
 * Upstream HTTP clients: pooled connections per event loop, timeouts, back-pressure, and the
 * listener interface relays implement.
 */
package dev.tollgate.server.upstream;
