package dev.tollgate.bench.load;

/**
 * Fixed-rate arrival times for an open-loop run: request {@code k} is due at
 * {@code startNanos + k * intervalNanos}, whatever happened to the requests before it. Times are
 * computed from the index (not by adding intervals up), so rounding never drifts.
 */
public final class ArrivalSchedule {
    private final long startNanos;
    private final double intervalNanos;
    private long next;

    /**
     * @param startNanos   intended time of request 0
     * @param ratePerSecond arrivals per second on this schedule (must be positive)
     */
    public ArrivalSchedule(long startNanos, double ratePerSecond) {
        if (!(ratePerSecond > 0)) {
            throw new IllegalArgumentException("rate must be positive: " + ratePerSecond);
        }
        this.startNanos = startNanos;
        this.intervalNanos = 1e9 / ratePerSecond;
    }

    /** Intended time of request {@code k}. */
    public long intendedNanos(long k) {
        return startNanos + (long) (k * intervalNanos);
    }

    /** Intended time of the next request not yet taken. */
    public long peek() {
        return intendedNanos(next);
    }

    /** Takes the next request and returns its intended time. */
    public long take() {
        return intendedNanos(next++);
    }

    /** Requests taken so far. */
    public long taken() {
        return next;
    }
}
