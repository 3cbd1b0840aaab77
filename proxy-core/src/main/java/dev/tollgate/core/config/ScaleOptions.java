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
 */
public record ScaleOptions(long customerCacheSize, Duration spendFlushMaxInterval, Duration spendBatchRetention) {
    public static final long DEFAULT_CUSTOMER_CACHE_SIZE = 1_000_000;
    public static final Duration DEFAULT_BATCH_RETENTION = Duration.ofHours(1);

    public static ScaleOptions defaults(Duration batchWriteInterval) {
        return new ScaleOptions(
                DEFAULT_CUSTOMER_CACHE_SIZE, batchWriteInterval.multipliedBy(6), DEFAULT_BATCH_RETENTION);
    }
}
