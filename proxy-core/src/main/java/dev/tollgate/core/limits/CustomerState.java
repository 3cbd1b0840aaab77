package dev.tollgate.core.limits;

import dev.tollgate.core.limits.AdmitDecision.Outcome;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Everything the in-process store keeps for one customer, mirroring the Redis keys of that
 * customer (account, windows, pending, claimed). Not thread-safe: {@link InProcessLimitStore}
 * calls every method while holding this object's monitor, which makes each operation atomic per
 * customer, as a Lua script is on Redis.
 *
 * <p>Compact on purpose, since an instance may hold a million of these: windows and reservation
 * buckets are small sorted arrays of primitives (a customer has one or two of each), pending spend
 * is a {@link PendingSpend}, and the settle-id memory exists only once a settle id was seen.
 */
final class CustomerState {
    /** The account; {@code present == false} until seeded. */
    private boolean present;

    private long spent;
    /** Sum of the reservation buckets. */
    private long reserved;
    /**
     * Admission minute (window start) → budget nanos reserved by the unsettled calls admitted in it,
     * as pairs sorted by minute; null when none.
     */
    private long[] reservedByMinute;

    private int reservedBuckets;

    private long periodEnd;
    /** Window start → {requests, tokens}, as triples sorted by start; null when none. */
    private long[] windows;

    private int windowCount;

    private PendingSpend pending;
    private PendingSpend claimed;
    private String claimedId;
    /**
     * Changes at every claim and acknowledgement (see reconcile.lua); 0 before the first. A number
     * drawn from one process-wide sequence rather than a string: a million customers would
     * otherwise keep a million "acked:" + batch id strings (about 80 bytes each).
     */
    private long flushToken;

    private static final AtomicLong FLUSH_TOKENS = new AtomicLong();
    /** Accounts of the customer's {@code model_max_budget} entries, by key; null until one is used. */
    private Map<String, ModelAccount> models;
    /** Applied settle ids → period end of their queued spend, "p" or "x" (see settle.lua); bounded; null until used. */
    private Map<String, String> settleIds;

    static final int MAX_SETTLE_IDS = 100_000;

    AdmitDecision admit(AdmitRequest r) {
        return admit(r, Lease.NONE).decision();
    }

    /** Admission plus, when admitted, a slice for {@code ask} (see {@link Lease}). */
    LeasedAdmission admit(AdmitRequest r, Lease ask) {
        long windowStart = Windows.start(r.nowMs());
        CustomerLimits limits = r.limits();
        if (!present) {
            if (!r.createIfAbsent()) {
                return new LeasedAdmission(
                        AdmitDecisions.of(Outcome.NEEDS_SEED, 0, 0, windowStart, 0, 0, limits), Lease.NONE);
            }
            seed(0, limits.periodEndMs());
        }
        if (periodEnd > 0 && r.nowMs() >= periodEnd) {
            spent = 0; // lazy period reset; reserved is released by the calls in flight
        }
        periodEnd = limits.periodEndMs();
        dropExpiredReservations(r.nowMs(), r.reservationTtlMs());
        // Bounded memory: anything older than the retention is useless to admit and to settle.
        dropWindowsBefore(windowStart - Windows.WINDOW_MS);

        int w = windowIndex(windowStart);
        long requests = w < 0 ? 0 : windows[w * 3 + 1];
        long tokens = w < 0 ? 0 : windows[w * 3 + 2];
        Outcome outcome = check(limits, requests, tokens);
        if (outcome != Outcome.ADMITTED) {
            return new LeasedAdmission(
                    AdmitDecisions.of(outcome, spent, reserved, windowStart, requests, tokens, limits), Lease.NONE);
        }
        ModelLimits modelLimits = r.model();
        ModelAccount model = null;
        long modelSpent = 0;
        long modelReserved = 0;
        if (modelLimits != null) {
            model = models == null ? null : models.get(modelLimits.model());
            if (model == null) {
                if (!r.createIfAbsent()) {
                    return new LeasedAdmission(
                            AdmitDecisions.of(
                                    Outcome.MODEL_NEEDS_SEED, spent, reserved, windowStart, requests, tokens, limits),
                            Lease.NONE);
                }
                model = createModel(modelLimits.model(), 0, modelLimits.periodEndMs(), true);
            }
            Outcome modelOutcome = model.check(modelLimits, r.nowMs(), r.reservationTtlMs());
            modelSpent = model.spent;
            modelReserved = model.reserved();
            if (modelOutcome != Outcome.ADMITTED) {
                return new LeasedAdmission(
                        AdmitDecisions.of(
                                modelOutcome,
                                spent,
                                reserved,
                                windowStart,
                                requests,
                                tokens,
                                limits,
                                modelSpent,
                                modelReserved),
                        Lease.NONE);
            }
            // A call with a model entry is admitted exactly, per call: it never takes a slice.
            ask = Lease.NONE;
        }
        if (w < 0) {
            w = insertWindow(windowStart);
        }
        windows[w * 3 + 1] += 1;
        windows[w * 3 + 2] += r.reserveTokens();
        AdmitDecision d = AdmitDecisions.of(
                outcome,
                spent,
                reserved,
                windowStart,
                windows[w * 3 + 1],
                windows[w * 3 + 2],
                limits,
                modelSpent,
                modelReserved);
        if (r.reserveNanos() > 0) {
            addReservation(windowStart, r.reserveNanos());
            reserved += r.reserveNanos();
        }
        if (model != null) {
            model.count(windowStart, r.reserveNanos(), r.reserveTokens());
        }
        Lease slice = Lease.grant(
                ask,
                limits.maxBudgetNanos() < 0 ? -1 : limits.maxBudgetNanos() - spent - reserved,
                limits.rpmLimit() < 0 ? -1 : limits.rpmLimit() - windows[w * 3 + 1],
                limits.tpmLimit() < 0 ? -1 : limits.tpmLimit() - windows[w * 3 + 2],
                Math.max(0, r.reserveNanos()),
                Math.max(0, r.reserveTokens()));
        if (!slice.isEmpty()) {
            windows[w * 3 + 1] += slice.requests();
            windows[w * 3 + 2] += slice.tokens();
            if (slice.budgetNanos() > 0) {
                addReservation(windowStart, slice.budgetNanos());
                reserved += slice.budgetNanos();
            }
        }
        return new LeasedAdmission(d, slice);
    }

    /** Gives back the unused part of a slice: budget from its minute's bucket, counts from its window. */
    void returnLease(long windowStartMs, Lease unused) {
        if (present && unused.budgetNanos() > 0) {
            release(windowStartMs, unused.budgetNanos());
        }
        int w = windowIndex(windowStartMs);
        if (w >= 0) {
            windows[w * 3 + 1] = Math.max(0, windows[w * 3 + 1] - Math.max(0, unused.requests()));
            windows[w * 3 + 2] = Math.max(0, windows[w * 3 + 2] - Math.max(0, unused.tokens()));
        }
    }

    // ---- windows: triples {start, requests, tokens}, sorted by start ----

    private int windowIndex(long start) {
        for (int i = 0; i < windowCount; i++) {
            if (windows[i * 3] == start) {
                return i;
            }
        }
        return -1;
    }

    private int insertWindow(long start) {
        if (windows == null) {
            windows = new long[3]; // one window: most customers never hold two at once
        } else if (windows.length < (windowCount + 1) * 3) {
            windows = Arrays.copyOf(windows, (windowCount + 1) * 3);
        }
        int at = windowCount;
        while (at > 0 && windows[(at - 1) * 3] > start) {
            System.arraycopy(windows, (at - 1) * 3, windows, at * 3, 3);
            at--;
        }
        windows[at * 3] = start;
        windows[at * 3 + 1] = 0;
        windows[at * 3 + 2] = 0;
        windowCount++;
        return at;
    }

    /** Drops the windows that started before {@code start}. */
    private void dropWindowsBefore(long start) {
        int drop = 0;
        while (drop < windowCount && windows[drop * 3] < start) {
            drop++;
        }
        if (drop > 0) {
            System.arraycopy(windows, drop * 3, windows, 0, (windowCount - drop) * 3);
            windowCount -= drop;
        }
    }

    // ---- reservations: pairs {minute, nanos}, sorted by minute ----

    private int bucketIndex(long minute) {
        for (int i = 0; i < reservedBuckets; i++) {
            if (reservedByMinute[i * 2] == minute) {
                return i;
            }
        }
        return -1;
    }

    private void addReservation(long minute, long nanos) {
        int i = bucketIndex(minute);
        if (i >= 0) {
            reservedByMinute[i * 2 + 1] += nanos;
            return;
        }
        if (reservedByMinute == null) {
            reservedByMinute = new long[4];
        } else if (reservedByMinute.length < (reservedBuckets + 1) * 2) {
            reservedByMinute = Arrays.copyOf(reservedByMinute, (reservedBuckets + 1) * 2);
        }
        int at = reservedBuckets;
        while (at > 0 && reservedByMinute[(at - 1) * 2] > minute) {
            System.arraycopy(reservedByMinute, (at - 1) * 2, reservedByMinute, at * 2, 2);
            at--;
        }
        reservedByMinute[at * 2] = minute;
        reservedByMinute[at * 2 + 1] = nanos;
        reservedBuckets++;
    }

    private void removeBucket(int i) {
        System.arraycopy(reservedByMinute, (i + 1) * 2, reservedByMinute, i * 2, (reservedBuckets - i - 1) * 2);
        reservedBuckets--;
        if (reservedBuckets == 0) {
            reservedByMinute = null;
        }
    }

    /**
     * Forgets the reservations of every admission minute that ended {@code ttlMs} or more before
     * {@code nowMs} (as admit.lua does), and recomputes their sum.
     */
    private void dropExpiredReservations(long nowMs, long ttlMs) {
        long horizon = nowMs - Windows.WINDOW_MS - ttlMs;
        while (reservedBuckets > 0 && reservedByMinute[0] <= horizon) {
            removeBucket(0);
        }
        long sum = 0;
        for (int i = 0; i < reservedBuckets; i++) {
            sum += reservedByMinute[i * 2 + 1];
        }
        reserved = sum;
    }

    /** Releases up to {@code nanos} from the bucket of {@code minute}; nothing when it expired. */
    private void release(long minute, long nanos) {
        int i = bucketIndex(minute);
        if (i < 0 || nanos <= 0) {
            return;
        }
        long held = reservedByMinute[i * 2 + 1];
        long released = Math.min(held, nanos);
        if (held - released <= 0) {
            removeBucket(i);
        } else {
            reservedByMinute[i * 2 + 1] = held - released;
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
        reservedByMinute = null;
        reservedBuckets = 0;
        periodEnd = periodEndMs;
        spent = spentNanos + pendingOfPeriod(pending, periodEndMs) + pendingOfPeriod(claimed, periodEndMs);
    }

    /**
     * Pending spend that lands in the period ending {@code periodEndMs} once flushed: its own
     * field, plus spend queued while no account existed (period 0), which the database adds to the
     * running period.
     */
    private static long pendingOfPeriod(PendingSpend spend, long periodEndMs) {
        if (spend == null) {
            return 0;
        }
        long sum = spend.periodSpend(periodEndMs);
        if (periodEndMs != 0) {
            sum += spend.periodSpend(0);
        }
        return sum;
    }

    /**
     * Creates a model entry's account at {@code spentNanos}, plus (when {@code addPending}) the
     * spend of that entry and period still pending or claimed, as {@link #seed} does for the
     * customer's account.
     */
    private ModelAccount createModel(String model, long spentNanos, long periodEndMs, boolean addPending) {
        long pendingSpend = addPending
                ? (pending == null ? 0 : pending.modelSpend(periodEndMs, model))
                        + (claimed == null ? 0 : claimed.modelSpend(periodEndMs, model))
                : 0;
        ModelAccount account = new ModelAccount(spentNanos + pendingSpend, periodEndMs);
        if (models == null) {
            models = new java.util.HashMap<>(4);
        }
        models.put(model, account);
        return account;
    }

    AccountSnapshot modelSnapshot(String model) {
        ModelAccount m = models == null ? null : models.get(model);
        return m == null ? AccountSnapshot.ABSENT : new AccountSnapshot(true, m.spent, m.reserved(), m.periodEnd);
    }

    /** For tests of bounded memory: windows and buckets kept by one model account. */
    int modelEntries(String model) {
        ModelAccount m = models == null ? null : models.get(model);
        return m == null ? 0 : m.keptEntries();
    }

    private String flushTokenText() {
        return flushToken == 0 ? "" : Long.toString(flushToken);
    }

    FlushState flushState() {
        return new FlushState(flushTokenText(), claimedId);
    }

    /** See {@link LimitStore#reconcile} and reconcile.lua, whose steps this follows. */
    Reconciliation reconcile(ReconcileRequest r) {
        FlushState seen = r.seen();
        if (!flushTokenText().equals(seen.token()) || !Objects.equals(claimedId, seen.claimedBatchId())) {
            return new Reconciliation(Reconciliation.Outcome.FLUSH_MOVED, 0, 0);
        }
        if (r.model() != null) {
            return reconcileModel(r);
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
            reservedByMinute = null;
            reservedBuckets = 0;
            periodEnd = pe;
            spent = target;
            return new Reconciliation(Reconciliation.Outcome.CREATED, 0, target);
        }
        spent = target;
        return new Reconciliation(
                target == before ? Reconciliation.Outcome.IN_STEP : Reconciliation.Outcome.REPAIRED, before, target);
    }

    /** {@link #reconcile} of a model entry's account: the same steps on that account and its pending field. */
    private Reconciliation reconcileModel(ReconcileRequest r) {
        ModelAccount m = models == null ? null : models.get(r.model());
        if (m == null && !r.createIfAbsent()) {
            return new Reconciliation(Reconciliation.Outcome.ABSENT, 0, 0);
        }
        long pe = r.periodEndMs();
        long before = m == null ? 0 : m.spent;
        if (m != null && (m.periodEnd != pe || (pe != 0 && r.nowMs() + Reconciliation.PERIOD_MARGIN_MS >= pe))) {
            return new Reconciliation(Reconciliation.Outcome.OTHER_PERIOD, before, before);
        }
        long target = r.ledgerNanos()
                + (pending == null ? 0 : pending.modelSpend(pe, r.model()))
                + (r.claimedApplied() || claimed == null ? 0 : claimed.modelSpend(pe, r.model()));
        if (m == null) {
            createModel(r.model(), target, pe, false);
            return new Reconciliation(Reconciliation.Outcome.CREATED, 0, target);
        }
        m.spent = target;
        return new Reconciliation(
                target == before ? Reconciliation.Outcome.IN_STEP : Reconciliation.Outcome.REPAIRED, before, target);
    }

    SettleResult settle(SettleRequest r) {
        String sid = r.settleId();
        if (sid != null && settleIds != null) {
            String seen = settleIds.get(sid);
            if (seen != null) {
                if (r.persisted() && !seen.equals("p") && !seen.equals("x")) {
                    PendingSpend p = pending();
                    int bar = seen.indexOf('|');
                    p.addPeriod(Long.parseLong(bar < 0 ? seen : seen.substring(0, bar)), -r.costNanos());
                    if (bar >= 0 && r.hasModelBudget()) {
                        p.addModel(Long.parseLong(seen.substring(bar + 1)), r.modelBudgetKey(), -r.costNanos());
                    }
                    p.addSettle(r, -1);
                    settleIds.put(sid, "x");
                }
                return new SettleResult(present ? spent : 0, present ? periodEnd : 0, false);
            }
        }
        if (present) {
            release(r.windowStartMs(), r.reserveNanos());
            spent += r.costNanos();
        }
        int w = windowIndex(r.windowStartMs());
        if (w >= 0) {
            windows[w * 3 + 2] = Math.max(0, windows[w * 3 + 2] + r.rateTokens() - r.reserveTokens());
        }
        long pe = present ? periodEnd : 0;
        long modelPe = r.hasModelBudget() ? settleModel(r) : 0;
        if (!r.persisted()) {
            PendingSpend p = pending();
            p.addPeriod(pe, r.costNanos());
            if (r.hasModelBudget()) {
                p.addModel(modelPe, r.modelBudgetKey(), r.costNanos());
            }
            p.addSettle(r, 1);
        }
        if (sid != null) {
            settleIdMemory()
                    .put(sid, r.persisted() ? "p" : r.hasModelBudget() ? pe + "|" + modelPe : Long.toString(pe));
        }
        return new SettleResult(present ? spent : 0, pe);
    }

    /**
     * The model part of a settle; returns the period its spend is queued under: the account's, or
     * the one the call was admitted in when the account is gone (never created here, as for the
     * customer's account).
     */
    private long settleModel(SettleRequest r) {
        ModelAccount m = models == null ? null : models.get(r.modelBudgetKey());
        if (m == null) {
            return r.modelPeriodEndMs();
        }
        m.settle(r.windowStartMs(), r.reserveNanos(), r.costNanos(), r.rateTokens() - r.reserveTokens());
        return m.periodEnd;
    }

    private PendingSpend pending() {
        if (pending == null) {
            pending = new PendingSpend();
        }
        return pending;
    }

    private Map<String, String> settleIdMemory() {
        if (settleIds == null) {
            settleIds = new LinkedHashMap<>(16, 0.75f, false) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
                    return size() > MAX_SETTLE_IDS;
                }
            };
        }
        return settleIds;
    }

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
            if (pending == null || pending.isEmpty()) {
                return null;
            }
            claimed = pending;
            claimedId = BatchIds.next(System.currentTimeMillis());
            flushToken = FLUSH_TOKENS.incrementAndGet();
            pending = null;
        }
        return claimed.toBatch(customerId, claimedId);
    }

    void ack(String batchId) {
        if (claimedId != null && claimedId.equals(batchId)) {
            claimed = null;
            claimedId = null;
            flushToken = FLUSH_TOKENS.incrementAndGet();
        }
    }

    /** Spend pending or claimed (not yet acknowledged). */
    boolean hasPending() {
        return (pending != null && !pending.isEmpty()) || claimed != null;
    }

    long pendingNanos() {
        return (pending == null ? 0 : pending.totalPeriodSpend()) + (claimed == null ? 0 : claimed.totalPeriodSpend());
    }

    long pendingModelNanos(String model, long periodEnd) {
        return (pending == null ? 0 : pending.modelSpend(periodEnd, model))
                + (claimed == null ? 0 : claimed.modelSpend(periodEnd, model));
    }

    /** For tests of bounded memory. */
    int windowCount() {
        return windowCount;
    }

    /** For tests of bounded memory. */
    int reservationBucketCount() {
        return reservedBuckets;
    }
}
