package dev.tollgate.core.limits;

import dev.tollgate.core.limits.AdmitDecision.Outcome;
import java.util.TreeMap;

/**
 * The in-process store's account of one {@code model_max_budget} entry of one customer: spend of
 * the entry's period, reservations per admission minute and the entry's RPM/TPM windows, with the
 * same rules as the customer's own account ({@link CustomerState}) and as admit.lua's model part.
 * Few customers have model budgets, so plain maps are fine here. Guarded by the customer's monitor.
 */
final class ModelAccount {
    long spent;
    long periodEnd;
    private long reserved;
    /** Admission minute → nanos reserved by the unsettled calls admitted in it. */
    private final TreeMap<Long, Long> reservedByMinute = new TreeMap<>();
    /** Window start → {requests, tokens}. */
    private final TreeMap<Long, long[]> windows = new TreeMap<>();

    ModelAccount(long spent, long periodEnd) {
        this.spent = spent;
        this.periodEnd = periodEnd;
    }

    long reserved() {
        return reserved;
    }

    /**
     * The lazy period reset, expiry of old reservations and windows, then the checks; changes no
     * counter of this call. Returns {@link Outcome#ADMITTED} when the call may be counted.
     */
    Outcome check(ModelLimits limits, long nowMs, long reservationTtlMs) {
        if (periodEnd > 0 && nowMs >= periodEnd) {
            spent = 0; // reserved is released by the calls in flight, as for the customer
        }
        periodEnd = limits.periodEndMs();
        long horizon = nowMs - Windows.WINDOW_MS - reservationTtlMs;
        reservedByMinute.headMap(horizon, true).clear();
        long sum = 0;
        for (long v : reservedByMinute.values()) {
            sum += v;
        }
        reserved = sum;
        long windowStart = Windows.start(nowMs);
        windows.headMap(windowStart - Windows.WINDOW_MS).clear();
        long[] w = windows.get(windowStart);
        if (limits.maxBudgetNanos() >= 0 && spent + reserved >= limits.maxBudgetNanos()) {
            return Outcome.MODEL_BUDGET_EXCEEDED;
        }
        if (limits.rpmLimit() >= 0 && (w == null ? 0 : w[0]) >= limits.rpmLimit()) {
            return Outcome.MODEL_RPM_EXCEEDED;
        }
        if (limits.tpmLimit() >= 0 && (w == null ? 0 : w[1]) >= limits.tpmLimit()) {
            return Outcome.MODEL_TPM_EXCEEDED;
        }
        return Outcome.ADMITTED;
    }

    /** Counts an admitted call (after {@link #check} passed). */
    void count(long windowStart, long reserveNanos, long reserveTokens) {
        long[] w = windows.computeIfAbsent(windowStart, k -> new long[2]);
        w[0] += 1;
        w[1] += reserveTokens;
        if (reserveNanos > 0) {
            reservedByMinute.merge(windowStart, reserveNanos, Long::sum);
            reserved += reserveNanos;
        }
    }

    /** A settle: releases from its minute's bucket (at most what it holds), adds the cost, corrects the window. */
    void settle(long windowStart, long reserveNanos, long costNanos, long tokenCorrection) {
        Long held = reservedByMinute.get(windowStart);
        if (held != null && reserveNanos > 0) {
            long released = Math.min(held, reserveNanos);
            if (held - released <= 0) {
                reservedByMinute.remove(windowStart);
            } else {
                reservedByMinute.put(windowStart, held - released);
            }
            reserved = Math.max(0, reserved - released);
        }
        spent += costNanos;
        long[] w = windows.get(windowStart);
        if (w != null) {
            w[1] = Math.max(0, w[1] + tokenCorrection);
        }
    }

    /** For tests of bounded memory: windows and reservation buckets kept. */
    int keptEntries() {
        return windows.size() + reservedByMinute.size();
    }
}
