package dev.tollgate.core.limits;

/**
 * A slice of one customer's quota (budget, requests and tokens of one RPM/TPM window) that the
 * store counts as used at once, so that one instance can admit the next calls against it without
 * asking the store ({@link LimitStore#admitAndLease}). The budget part is held like a reservation
 * in the bucket of the window's minute, so a slice that is never returned (crashed instance)
 * expires with the reservations of that minute; the request and token parts are counted in the
 * window and leave with it.
 *
 * <p>Grant rule, the same in every store: after the call itself is admitted and counted, each
 * limited dimension grants at most {@code free ÷ }{@link #SHARE_DIVISOR} (free: the limit minus
 * everything counted, slices included), an unlimited one the whole ask; the slice is granted only
 * when it holds at least 2 requests and twice the call's own reservation of budget and tokens,
 * else nothing (near a limit, and for small limits, admission stays per call and exact). So
 * outstanding slices never hold more than 1/16 of what was free when each was granted.
 */
public record Lease(long budgetNanos, long requests, long tokens) {
    public static final Lease NONE = new Lease(0, 0, 0);
    public static final long SHARE_DIVISOR = 16;

    public boolean isEmpty() {
        return budgetNanos == 0 && requests == 0 && tokens == 0;
    }

    /**
     * The slice for {@code ask}, or {@link #NONE}. {@code free*} is what is left after the call
     * (negative when that dimension has no limit).
     */
    static Lease grant(
            Lease ask, long freeBudget, long freeRequests, long freeTokens, long callReserve, long callTokens) {
        if (ask == null || ask.requests < 2) {
            return NONE;
        }
        long b = share(ask.budgetNanos, freeBudget);
        long r = share(ask.requests, freeRequests);
        long t = share(ask.tokens, freeTokens);
        if (r < 2 || b < 2 * callReserve || t < 2 * callTokens) {
            return NONE;
        }
        return new Lease(b, r, t);
    }

    private static long share(long ask, long free) {
        return free < 0 ? ask : Math.min(ask, free / SHARE_DIVISOR);
    }
}
