package dev.tollgate.core.limits;

import dev.tollgate.core.limits.AdmitDecision.Outcome;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Everything the in-process store keeps for one customer, mirroring the Redis keys of that
 * customer (account, windows, pending, claimed). Not thread-safe: {@link InProcessLimitStore}
 * calls every method while holding this object's monitor, which makes each operation atomic per
 * customer, as a Lua script is on Redis.
 */
final class CustomerState {
    /** The account; {@code present == false} until seeded. */
    private boolean present;

    private long spent;
    /** Sum of {@link #reservedByMinute}. */
    private long reserved;
    /** Admission minute (window start) → budget nanos reserved by the unsettled calls admitted in it. */
    private final TreeMap<Long, Long> reservedByMinute = new TreeMap<>();

    private long periodEnd;
    /** Window start → {requests, tokens}. */
    private final TreeMap<Long, long[]> windows = new TreeMap<>();

    private Map<String, Long> pending = new HashMap<>();
    private Map<String, Long> claimed;
    private String claimedId;
    /** Changes at every claim and acknowledgement (see reconcile.lua); "" before the first. */
    private String flushToken = "";
    /** Applied settle ids → period end of their queued spend, "p" or "x" (see settle.lua); bounded. */
    private final Map<String, String> settleIds = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > MAX_SETTLE_IDS;
        }
    };

    static final int MAX_SETTLE_IDS = 100_000;

    AdmitDecision admit(AdmitRequest r) {
        long windowStart = Windows.start(r.nowMs());
        CustomerLimits limits = r.limits();
        if (!present) {
            if (!r.createIfAbsent()) {
                return AdmitDecisions.of(Outcome.NEEDS_SEED, 0, 0, windowStart, 0, 0, limits);
            }
            seed(0, limits.periodEndMs());
        }
        if (periodEnd > 0 && r.nowMs() >= periodEnd) {
            spent = 0; // lazy period reset; reserved is released by the calls in flight
        }
        periodEnd = limits.periodEndMs();
        dropExpiredReservations(r.nowMs(), r.reservationTtlMs());
        // Bounded memory: anything older than the retention is useless to admit and to settle.
        windows.headMap(windowStart - Windows.WINDOW_MS, false).clear();

        long[] w = windows.get(windowStart);
        long requests = w == null ? 0 : w[0];
        long tokens = w == null ? 0 : w[1];
        Outcome outcome = check(limits, requests, tokens);
        if (outcome != Outcome.ADMITTED) {
            return AdmitDecisions.of(outcome, spent, reserved, windowStart, requests, tokens, limits);
        }
        if (w == null) {
            w = new long[2];
            windows.put(windowStart, w);
        }
        w[0] += 1;
        w[1] += r.reserveTokens();
        AdmitDecision d = AdmitDecisions.of(outcome, spent, reserved, windowStart, w[0], w[1], limits);
        if (r.reserveNanos() > 0) {
            reservedByMinute.merge(windowStart, r.reserveNanos(), Long::sum);
            reserved += r.reserveNanos();
        }
        return d;
    }

    /**
     * Forgets the reservations of every admission minute that ended {@code ttlMs} or more before
     * {@code nowMs} (as admit.lua does), and recomputes their sum.
     */
    private void dropExpiredReservations(long nowMs, long ttlMs) {
        long horizon = nowMs - Windows.WINDOW_MS - ttlMs;
        reservedByMinute.headMap(horizon, true).clear();
        long sum = 0;
        for (long v : reservedByMinute.values()) {
            sum += v;
        }
        reserved = sum;
    }

    /** Releases up to {@code nanos} from the bucket of {@code minute}; nothing when it expired. */
    private void release(long minute, long nanos) {
        Long held = reservedByMinute.get(minute);
        if (held == null || nanos <= 0) {
            return;
        }
        long released = Math.min(held, nanos);
        if (held - released <= 0) {
            reservedByMinute.remove(minute);
        } else {
            reservedByMinute.put(minute, held - released);
        }
        reserved = Math.max(0, reserved - released);
    }

    private Outcome check(CustomerLimits limits, long requests, long tokens) {
        if (limits.maxBudgetNanos() >= 0 && spent + reserved >= limits.maxBudgetNanos()) {
            return Outcome.BUDGET_EXCEEDED;
        }
        if (limits.rpmLimit() >= 0 && requests >= limits.rpmLimit()) {
            return Outcome.RPM_EXCEEDED;
        }
        if (limits.tpmLimit() >= 0 && tokens >= limits.tpmLimit()) {
            return Outcome.TPM_EXCEEDED;
        }
        return Outcome.ADMITTED;
    }

    void seed(long spentNanos, long periodEndMs) {
        if (present) {
            return;
        }
        present = true;
        reserved = 0;
        reservedByMinute.clear();
        periodEnd = periodEndMs;
        spent = spentNanos + pendingOfPeriod(pending, periodEndMs) + pendingOfPeriod(claimed, periodEndMs);
    }

    /**
     * Pending spend that lands in the period ending {@code periodEndMs} once flushed: its own
     * field, plus spend queued while no account existed (period 0), which the database adds to the
     * running period.
     */
    private static long pendingOfPeriod(Map<String, Long> fields, long periodEndMs) {
        if (fields == null) {
            return 0;
        }
        long sum = fields.getOrDefault(PendingFields.periodField(periodEndMs), 0L);
        if (periodEndMs != 0) {
            sum += fields.getOrDefault(PendingFields.periodField(0), 0L);
        }
        return sum;
    }

    FlushState flushState() {
        return new FlushState(flushToken, claimedId);
    }

    /** See {@link LimitStore#reconcile} and reconcile.lua, whose steps this follows. */
    Reconciliation reconcile(ReconcileRequest r) {
        FlushState seen = r.seen();
        if (!flushToken.equals(seen.token()) || !Objects.equals(claimedId, seen.claimedBatchId())) {
            return new Reconciliation(Reconciliation.Outcome.FLUSH_MOVED, 0, 0);
        }
        if (!present && !r.createIfAbsent()) {
            return new Reconciliation(Reconciliation.Outcome.ABSENT, 0, 0);
        }
        long pe = r.periodEndMs();
        long before = present ? spent : 0;
        if (present && (periodEnd != pe || (pe != 0 && r.nowMs() + Reconciliation.PERIOD_MARGIN_MS >= pe))) {
            return new Reconciliation(Reconciliation.Outcome.OTHER_PERIOD, before, before);
        }
        long target = r.ledgerNanos()
                + pendingOfPeriod(pending, pe)
                + (r.claimedApplied() ? 0 : pendingOfPeriod(claimed, pe));
        if (!present) {
            present = true;
            reserved = 0;
            reservedByMinute.clear();
            periodEnd = pe;
            spent = target;
            return new Reconciliation(Reconciliation.Outcome.CREATED, 0, target);
        }
        spent = target;
        return new Reconciliation(
                target == before ? Reconciliation.Outcome.IN_STEP : Reconciliation.Outcome.REPAIRED, before, target);
    }

    SettleResult settle(SettleRequest r) {
        String sid = r.settleId();
        if (sid != null) {
            String seen = settleIds.get(sid);
            if (seen != null) {
                if (r.persisted() && !seen.equals("p") && !seen.equals("x")) {
                    pending.merge(PERIOD_PREFIX_FIELD + seen, -r.costNanos(), Long::sum);
                    PendingFields.settleIncrements(r).forEach((f, v) -> pending.merge(f, -v, Long::sum));
                    settleIds.put(sid, "x");
                    return new SettleResult(present ? spent : 0, present ? periodEnd : 0, false);
                }
                return new SettleResult(present ? spent : 0, present ? periodEnd : 0, false);
            }
        }
        if (present) {
            release(r.windowStartMs(), r.reserveNanos());
            spent += r.costNanos();
        }
        long[] w = windows.get(r.windowStartMs());
        if (w != null) {
            w[1] = Math.max(0, w[1] + r.rateTokens() - r.reserveTokens());
        }
        long pe = present ? periodEnd : 0;
        if (!r.persisted()) {
            pending.merge(PendingFields.periodField(pe), r.costNanos(), Long::sum);
            PendingFields.settleIncrements(r).forEach((f, v) -> pending.merge(f, v, Long::sum));
        }
        if (sid != null) {
            settleIds.put(sid, r.persisted() ? "p" : Long.toString(pe));
        }
        return new SettleResult(present ? spent : 0, pe);
    }

    private static final String PERIOD_PREFIX_FIELD = PendingFields.PERIOD_PREFIX;

    AccountSnapshot snapshot() {
        return present ? new AccountSnapshot(true, spent, reserved, periodEnd) : AccountSnapshot.ABSENT;
    }

    void resetSpend(long newPeriodEndMs) {
        if (present) {
            spent = 0;
            periodEnd = newPeriodEndMs;
        }
    }

    /** The claimed batch, claiming the pending spend first when none is; null when nothing is pending. */
    PendingBatch claim(String customerId) {
        if (claimed == null) {
            if (pending.isEmpty()) {
                return null;
            }
            claimed = pending;
            claimedId = UUID.randomUUID().toString();
            flushToken = claimedId;
            pending = new HashMap<>();
        }
        return PendingFields.toBatch(customerId, claimedId, claimed);
    }

    void ack(String batchId) {
        if (claimedId != null && claimedId.equals(batchId)) {
            claimed = null;
            claimedId = null;
            flushToken = "acked:" + batchId;
        }
    }

    long pendingNanos() {
        return PendingFields.periodSpend(pending) + (claimed == null ? 0 : PendingFields.periodSpend(claimed));
    }

    /** For tests of bounded memory. */
    int windowCount() {
        return windows.size();
    }

    /** For tests of bounded memory. */
    int reservationBucketCount() {
        return reservedByMinute.size();
    }
}
