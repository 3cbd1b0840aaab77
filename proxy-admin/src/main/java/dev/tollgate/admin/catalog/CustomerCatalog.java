package dev.tollgate.admin.catalog;

import java.util.concurrent.CompletionStage;

/**
 * Cached customer policies for the hot path. A hit completes at once without I/O; a miss loads
 * from the database on the JDBC executor. Entries are dropped on every admin write (on all
 * instances, through the limit store's invalidation channel) and expire after a short TTL.
 */
public interface CustomerCatalog {

    CompletionStage<CustomerPolicy> policy(String customerId, long nowMs);

    /**
     * The customer's persisted period spend, read fresh from the database, used to seed a limit
     * store that holds no account (first sight, or Redis restarted empty).
     */
    CompletionStage<SeedSpend> persistedSpend(String customerId, long nowMs);

    void invalidate(String customerId);

    void invalidateAll();

    record SeedSpend(long spentNanos, long periodEndMs) {}
}
