/**
 * The executable: command line, wiring of core and admin into a running proxy, transport choice,
 * and the graceful stop.
 */
package dev.tollgate.server;
