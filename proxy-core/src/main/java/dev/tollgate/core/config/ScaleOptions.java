package dev.tollgate.core.config;

import java.time.Duration;

/**
 * Settings for many customers ({@code general_settings}, beyond LiteLLM's).
 *
 * @param customerCacheSize     customers whose policy is cached per instance ({@code customer_cache_size});
 *                              an evicted one is read again from the database on its next call
 * @param spendFlushMaxInterval longest pause between spend flushes when flushes are long
 *                              ({@code spend_flush_max_interval}; default 6 × {@code proxy_batch_write_at})
 * @param spendBatchRetention   how long applied spend batch ids are kept ({@code spend_batch_retention})
 * @param settleBatchMs         {@code settle_batch_ms} (fleet mode only; 0, the default, = off): fold the
 *                              settles of one customer on this instance within this many milliseconds
 *                              into one Redis script call; at most {@link #MAX_SETTLE_BATCH_MS}
 * @param leaseSliceMs          {@code lease_slice_ms} (fleet mode only; 0, the default, = off): admit a
 *                              customer far from its limits locally against a slice of its quota sized
 *                              to this many milliseconds of its traffic; at most {@link #MAX_LEASE_SLICE_MS}
 * @param customerCacheRefresh  {@code customer_cache_refresh_seconds} (0, the default, = never): also reload
 *                              a cached policy in the background once it is this old. Without it a cached
 *                              policy changes only on an event (an admin write, a budget reset, a reconnect
 *                              of the fleet's event channel), so its cost does not depend on how often a
 *                              customer calls; set it when the database is edited by hand
 */
public record ScaleOptions(
        long customerCacheSize,
        Duration spendFlushMaxInterval,
        Duration spendBatchRetention,
        long settleBatchMs,
        long leaseSliceMs,
        Duration customerCacheRefresh) {
    /** A slice covers at most this much of a customer's traffic. */
    public static final long MAX_LEASE_SLICE_MS = 1_000;

    public static final long DEFAULT_CUSTOMER_CACHE_SIZE = 1_000_000;
    /** Settles wait at most this long in memory: it is what a crashed instance can lose. */
    public static final long MAX_SETTLE_BATCH_MS = 100;

    public static final Duration DEFAULT_BATCH_RETENTION = Duration.ofHours(1);

    public static ScaleOptions defaults(Duration batchWriteInterval) {
        return new ScaleOptions(
                DEFAULT_CUSTOMER_CACHE_SIZE,
                batchWriteInterval.multipliedBy(6),
                DEFAULT_BATCH_RETENTION,
                0,
                0,
                Duration.ZERO);
    }
}
