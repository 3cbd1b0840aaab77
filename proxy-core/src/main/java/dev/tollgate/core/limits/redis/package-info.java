/**
 * The fleet implementation of the limit store: Lua scripts run with EVALSHA on a single Redis or
 * a Redis Cluster through Lettuce, one connection per server event loop, key layout, and the
 * invalidation bus over pub/sub.
 */
package dev.tollgate.core.limits.redis;
