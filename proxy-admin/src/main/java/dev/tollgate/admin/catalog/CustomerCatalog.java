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
     * The customer's ledger, read fresh from the database (never from a cache or the directory of
     * known customers): its persisted spend of the period in force at {@code nowMs}, and whether
     * the batch {@code batchId} (null: none) is committed, both from one snapshot. What a limit
     * store's account is seeded and reconciled from.
     */
    CompletionStage<Ledger> ledger(String customerId, String batchId, long nowMs);

    void invalidate(String customerId);

    void invalidateAll();

    /**
     * @param spentNanos   persisted spend of the period ending {@code periodEndMs} (0 = never ends)
     * @param batchApplied whether the batch asked about is committed (false when none was asked)
     */
    record Ledger(long spentNanos, long periodEndMs, boolean batchApplied) {}
}
