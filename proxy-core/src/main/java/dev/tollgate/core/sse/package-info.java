/**
 * Server-sent events: splitting upstream reads into whole events without copying.
 */
package dev.tollgate.core.sse;
