package dev.tollgate.core.limits.redis;

import dev.tollgate.core.limits.LimitStore;

/**
 * Key names of the Redis store. Every per-customer key carries the hash tag {@code {c:<id>}},
 * so all keys of one customer live in one Redis Cluster slot and each script stays single-slot.
 * A customer id containing '}' only shortens the tag; it is the same for all of that customer's
 * keys, and since every suffix is free of '}', two customers' keys can never collide.
 */
final class RedisKeys {
    private final String prefix;

    RedisKeys(String prefix) {
        this.prefix = prefix;
    }

    /** Sorted set of the customer's in-flight slots: member = slot id, score = expiry (epoch ms). */
    String slots(String customerId) {
        return tag(customerId) + ":par";
    }

    String account(String customerId) {
        return tag(customerId) + ":acct";
    }

    String window(String customerId, long windowStartMs) {
        return tag(customerId) + ":w:" + windowStartMs;
    }

    /** Account of one {@code model_max_budget} entry (same fields as {@link #account}). */
    String modelAccount(String customerId, String model) {
        return tag(customerId) + ":m:" + keySafe(model);
    }

    /** RPM/TPM window of one {@code model_max_budget} entry. */
    String modelWindow(String customerId, String model, long windowStartMs) {
        return tag(customerId) + ":mw:" + windowStartMs + ":" + keySafe(model);
    }

    /**
     * A model key may hold any character; '}' is escaped so that every suffix stays free of it
     * (see the class comment), and '%' so that the escape cannot be forged.
     */
    private static String keySafe(String model) {
        if (model.indexOf('}') < 0 && model.indexOf('%') < 0) {
            return model;
        }
        return model.replace("%", "%25").replace("}", "%7D");
    }

    String pending(String customerId) {
        return tag(customerId) + ":pend";
    }

    String claimed(String customerId) {
        return tag(customerId) + ":claimed";
    }

    /** Token changed by every claim and acknowledgement of pending spend (see reconcile.lua). */
    String flushToken(String customerId) {
        return tag(customerId) + ":flush";
    }

    /** Ids of settles applied for calls of one admission window (kept {@link LimitStore#SETTLE_ID_RETENTION_MS}). */
    String settleIds(String customerId, long windowStartMs) {
        return tag(customerId) + ":sid:" + windowStartMs;
    }

    /**
     * Customers with pending spend; a key of its own slot, so only the settle script on a single
     * Redis touches it (a Redis Cluster would refuse a script across slots).
     */
    String dirty() {
        return prefix + "dirty";
    }

    /** Pub/sub channel of catalogue invalidations. */
    String events() {
        return prefix + "events";
    }

    private String tag(String customerId) {
        return prefix + "{c:" + customerId + "}";
    }
}
