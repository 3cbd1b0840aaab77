package dev.tollgate.admin.spend;

import dev.tollgate.core.limits.PendingBatch.PeriodSpend;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * How a batch's per-period spend lands on the customer's persisted period spend. Pure function,
 * kept apart from the SQL so the rules can be read (and tested) in one place.
 *
 * <ul>
 *   <li>same period as the row → added;</li>
 *   <li>newer period than a non-zero row period → the period rolled over before the reset job
 *       noticed: the spend restarts at this batch's amount and the row adopts the new period;</li>
 *   <li>row period 0 and a batch period &gt; 0 → the customer just got a budget with a duration
 *       (no reset happened): added, and the row adopts the period;</li>
 *   <li>older period than the row's → dropped: it belongs to a period already reset;</li>
 *   <li>batch period 0 while the row has a period P: while P is still running it is added to P
 *       (spend settled without a store account, or a budget that just lost its duration: either
 *       way nothing is lost); once P has ended the spend restarts in the period-less state. The
 *       catalogue's {@code persistedSpend} reads the row the same way, so database and store agree.</li>
 * </ul>
 */
final class PeriodSpendRules {

    /** The row's spend and period after applying a batch. */
    record Totals(long spendNanos, long periodEndMs) {}

    private PeriodSpendRules() {}

    static Totals apply(long spendNanos, long periodEndMs, List<PeriodSpend> spendByPeriod, long nowMs) {
        // Oldest first, so a batch spanning a rollover adds to the old period before restarting.
        List<PeriodSpend> ordered = new ArrayList<>(spendByPeriod);
        ordered.sort(Comparator.comparingLong(p -> p.periodEndMs() == 0 ? Long.MAX_VALUE : p.periodEndMs()));
        long spend = spendNanos;
        long period = periodEndMs;
        for (PeriodSpend p : ordered) {
            long batchPeriod = p.periodEndMs();
            if (batchPeriod == period) {
                spend = Math.addExact(spend, p.spendNanos());
            } else if (period == 0) {
                spend = Math.addExact(spend, p.spendNanos());
                period = batchPeriod;
            } else if (batchPeriod == 0 && nowMs < period) {
                spend = Math.addExact(spend, p.spendNanos());
            } else if (batchPeriod == 0 || batchPeriod > period) {
                spend = p.spendNanos();
                period = batchPeriod;
            }
            // else: older than the row's period, already reset; adding it would charge the new period.
        }
        return new Totals(spend, period);
    }
}
