package dev.tollgate.core.limits;

/**
 * What {@link LimitStore#reconcile} found and did.
 *
 * @param spentBefore the enforced spend found (0 when the account was missing)
 * @param spentAfter  the enforced spend left: the ledger plus the pending spend counted (for
 *                    {@link Outcome#IN_STEP}, {@link Outcome#REPAIRED}, {@link Outcome#CREATED});
 *                    otherwise {@code spentBefore}
 */
public record Reconciliation(Outcome outcome, long spentBefore, long spentAfter) {
    /** An account whose period ends this soon is not reconciled: its spend is about to restart. */
    public static final long PERIOD_MARGIN_MS = 60_000;

    public enum Outcome {
        /** The enforced spend already equalled the ledger plus pending. */
        IN_STEP,
        /** The enforced spend was set to the ledger plus pending. */
        REPAIRED,
        /** The missing account was created at the ledger plus pending. */
        CREATED,
        /** A flush claimed or acknowledged spend since the flush state was read: read again. */
        FLUSH_MOVED,
        /** No account, and none was to be created. */
        ABSENT,
        /**
         * The account is in another budget period than the ledger figure, or its period ends
         * within {@link #PERIOD_MARGIN_MS}: nothing compared, nothing changed.
         */
        OTHER_PERIOD
    }

    /** Enforced minus true spend before the repair: positive when the customer was held too high. */
    public long driftNanos() {
        return outcome == Outcome.REPAIRED ? spentBefore - spentAfter : 0;
    }
}
