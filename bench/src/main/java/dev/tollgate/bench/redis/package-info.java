/**
 * Redis work per chat call of the fleet limit store, measured from Redis's own counters
 * ({@code INFO commandstats}, {@code INFO cpu}) under a fixed small load; run with
 * {@code bench/script-cost.sh}, never by the test build.
 */
package dev.tollgate.bench.redis;
