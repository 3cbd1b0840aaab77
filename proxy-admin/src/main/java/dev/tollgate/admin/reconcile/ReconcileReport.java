package dev.tollgate.admin.reconcile;

import dev.tollgate.core.limits.Reconciliation;
import dev.tollgate.core.limits.Reconciliation.Outcome;

/**
 * What reconciling one customer found and did.
 *
 * @param enforcedBefore the limit store's spend found (0 when it had no account)
 * @param enforcedAfter  the spend it holds now: the ledger plus pending when compared, else as found
 * @param ledgerNanos    the database's spend of the period, as read for this reconciliation
 */
public record ReconcileReport(
        String customerId, Outcome outcome, long enforcedBefore, long enforcedAfter, long ledgerNanos) {

    static ReconcileReport of(String customerId, Reconciliation r, long ledgerNanos) {
        return new ReconcileReport(customerId, r.outcome(), r.spentBefore(), r.spentAfter(), ledgerNanos);
    }

    /** Whether the enforced spend was compared with the ledger (in step, repaired or created). */
    public boolean compared() {
        return outcome == Outcome.IN_STEP || outcome == Outcome.REPAIRED || outcome == Outcome.CREATED;
    }

    /** Spend pending persistence that was counted; 0 when nothing was compared. */
    public long pendingNanos() {
        return compared() ? enforcedAfter - ledgerNanos : 0;
    }

    /** Enforced minus true spend before the repair: positive when the customer was held too high. */
    public long driftNanos() {
        return outcome == Outcome.REPAIRED ? enforcedBefore - enforcedAfter : 0;
    }
}
