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

    /**
     * The persisted spend of one of the customer's {@code model_max_budget} entries in the period
     * ending {@code periodEndMs}, and whether the batch {@code batchId} (null: none) is committed,
     * both from one snapshot, read fresh from the database: what a model account is seeded from.
     */
    default CompletionStage<Ledger> modelLedger(String customerId, String model, long periodEndMs, String batchId) {
        return java.util.concurrent.CompletableFuture.failedFuture(
                new UnsupportedOperationException("this catalogue has no model ledger"));
    }

    void invalidate(String customerId);

    void invalidateAll();

    /**
     * @param spentNanos   persisted spend of the period ending {@code periodEndMs} (0 = never ends)
     * @param batchApplied whether the batch asked about is committed (false when none was asked)
     */
    record Ledger(long spentNanos, long periodEndMs, boolean batchApplied) {}
}
