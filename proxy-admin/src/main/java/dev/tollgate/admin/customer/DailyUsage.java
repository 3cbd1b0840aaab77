package dev.tollgate.admin.customer;

/**
 * Usage counters of one (day, customer, model) aggregate, or a sum of such rows (then
 * {@code day}, {@code customerId} and {@code model} may be null).
 */
public record DailyUsage(
        String day,
        String customerId,
        String model,
        long requests,
        long successfulRequests,
        long failedRequests,
        long promptTokens,
        long completionTokens,
        long spendNanos) {

    public static final DailyUsage ZERO = new DailyUsage(null, null, null, 0, 0, 0, 0, 0, 0);

    public long totalTokens() {
        return promptTokens + completionTokens;
    }

    /** This plus {@code o}'s counters, keeping this row's keys. */
    public DailyUsage plus(DailyUsage o) {
        return new DailyUsage(
                day,
                customerId,
                model,
                requests + o.requests,
                successfulRequests + o.successfulRequests,
                failedRequests + o.failedRequests,
                promptTokens + o.promptTokens,
                completionTokens + o.completionTokens,
                spendNanos + o.spendNanos);
    }
}
