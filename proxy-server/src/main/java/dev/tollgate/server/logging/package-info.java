/** Log output format (plain text or JSON lines). */
package dev.tollgate.server.logging;
