package dev.tollgate.admin.reconcile;

import dev.tollgate.core.limits.Reconciliation.Outcome;
import java.util.List;

/**
 * The reports of one reconciliation pass over several customers.
 *
 * @param failed customers that could not be reconciled (store or database unreachable); they are
 *               tried again at the next pass
 */
public record ReconcilePass(List<ReconcileReport> reports, int failed) {

    public long checked() {
        return reports.stream().filter(ReconcileReport::compared).count();
    }

    public long repaired() {
        return reports.stream().filter(r -> r.outcome() == Outcome.REPAIRED).count();
    }

    /** Sum of the absolute drifts repaired, in nano-dollars. */
    public long absoluteDriftNanos() {
        return reports.stream().mapToLong(r -> Math.abs(r.driftNanos())).sum();
    }
}
