/** Small helpers for the proxy's own background threads. */
package dev.tollgate.core.threads;
