package dev.tollgate.core.limits;

import java.util.List;

/**
 * Spend settled in the store but not yet persisted, claimed by a flusher under a batch id. The
 * same batch is handed out again until it is acknowledged, so a flusher that dies after its
 * database commit is repaired by the next one, and the database's record of applied batch ids
 * makes the replay a no-op.
 *
 * @param spendByPeriod spend to add to the customer's period spend, keyed by period end (epoch ms)
 * @param modelSpend    spend to add to the customer's {@code model_max_budget} entries, by period end
 *                      and model key
 */
public record PendingBatch(
        String customerId,
        String batchId,
        List<PeriodSpend> spendByPeriod,
        List<DailyUsage> daily,
        List<ModelSpend> modelSpend) {

    /** A batch without model spend. */
    public PendingBatch(String customerId, String batchId, List<PeriodSpend> spendByPeriod, List<DailyUsage> daily) {
        this(customerId, batchId, spendByPeriod, daily, List.of());
    }

    /** Spend of one model entry (its key as written) in the period ending {@code periodEndMs}. */
    public record ModelSpend(long periodEndMs, String model, long spendNanos) {}

    public record PeriodSpend(long periodEndMs, long spendNanos) {}

    /** Aggregate of one customer, one UTC day and one model. */
    public record DailyUsage(
            String day,
            String model,
            long requests,
            long successfulRequests,
            long promptTokens,
            long completionTokens,
            long spendNanos) {}

    public boolean isEmpty() {
        return spendByPeriod.isEmpty() && daily.isEmpty() && modelSpend.isEmpty();
    }
}
