/**
 * Exact money: integer nano-dollar amounts, per-token prices kept exactly, the bundled price
 * table, and rendering at the edge.
 */
package dev.tollgate.core.money;
