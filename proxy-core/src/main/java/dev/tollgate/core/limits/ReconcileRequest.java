package dev.tollgate.core.limits;

/**
 * Sets a customer's enforced spend to the ledger plus the spend pending persistence, or creates
 * the account that way. See {@link LimitStore#reconcile}.
 *
 * @param ledgerNanos     the database's spend of the period {@code periodEndMs}, read after
 *                        {@code seen}, in the same snapshot as {@code claimedApplied}
 * @param periodEndMs     period the ledger figure belongs to (0 = never resets)
 * @param seen            the flush state read before the ledger
 * @param claimedApplied  whether that snapshot already holds {@code seen.claimedBatchId()}
 * @param nowMs           now; an account whose period ends within
 *                        {@link Reconciliation#PERIOD_MARGIN_MS} is left alone
 * @param createIfAbsent  create a missing account (the seed); otherwise a missing one stays missing
 * @param model           null for the customer's account; a {@code model_max_budget} key for that
 *                        model's account, whose ledger is the model's spend of the period and whose
 *                        pending spend is {@link PendingFields#modelField} of that period
 */
public record ReconcileRequest(
        String customerId,
        long ledgerNanos,
        long periodEndMs,
        FlushState seen,
        boolean claimedApplied,
        long nowMs,
        boolean createIfAbsent,
        String model) {

    /** A reconciliation of the customer's own account. */
    public ReconcileRequest(
            String customerId,
            long ledgerNanos,
            long periodEndMs,
            FlushState seen,
            boolean claimedApplied,
            long nowMs,
            boolean createIfAbsent) {
        this(customerId, ledgerNanos, periodEndMs, seen, claimedApplied, nowMs, createIfAbsent, null);
    }
}
