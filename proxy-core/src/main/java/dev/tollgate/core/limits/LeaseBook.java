package dev.tollgate.core.limits;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * This instance's slices of its customers' quotas ({@link Lease}), and the local admission against
 * them: a customer far from its limits is admitted here, without a store call, while its slice
 * lasts. One slice per customer, for one window, one budget period and one set of limits; a call
 * of another window, period or limits (an admin change) goes to the store, and the old slice's
 * unused budget is returned.
 *
 * <p>Only a customer with at least {@link #MIN_CALLS_PER_SECOND} calls on this instance within a
 * second asks for a slice. Slice size: what this instance served of the customer in the last
 * second, scaled to {@code sliceMs} (at least 2 calls), times the call's own reservation; the store shrinks it near
 * the limits or grants nothing (see {@link Lease}). Only one store admission per customer asks for
 * a slice at a time, so an instance holds at most one slice per customer: what slices can strand
 * (quota counted in Redis but unused) is at most one slice, 1/16 of what was free, per instance. A locally admitted call consumes its whole
 * reservation from the slice and settles like any call of the slice's minute (its settle releases
 * its reservation from that minute's bucket), so the store's {@code spent + reserved} always holds
 * every slice in full until it is returned.
 *
 * <p>Thread-safe (one monitor; every operation is a few arithmetic steps).
 */
public final class LeaseBook {
    private static final long IDLE_MS = 1_000;
    /**
     * Calls of a customer on this instance within a second before its admissions ask for a slice.
     * A slice costs a script call to return; a customer calling less often would pay that for a
     * slice it hardly uses (with many such customers leases would add Redis work, not remove it).
     */
    static final long MIN_CALLS_PER_SECOND = 3;

    private final LimitStore store;
    private final long sliceMs;
    private final Map<String, Slice> slices = new HashMap<>();
    private final AtomicLong granted = new AtomicLong();
    private final AtomicLong returned = new AtomicLong();
    private final AtomicLong localAdmits = new AtomicLong();
    private final AtomicLong storeAdmits = new AtomicLong();

    /** One customer's slice and its recent rate. */
    private static final class Slice {
        CustomerLimits limits;
        AdmitDecision decision; // what a local admission answers (counts as of the grant)
        long windowStartMs = Long.MIN_VALUE;
        long budgetLeft;
        long requestsLeft;
        long tokensLeft;
        long lastUseMs;
        long rateSecond;
        long callsThisSecond;
        long callsLastSecond;
        /** A store admission asking for a slice is on its way: others ask for none meanwhile. */
        boolean asking;
    }

    /** @param sliceMs how many milliseconds of a customer's recent traffic one slice should cover */
    public LeaseBook(LimitStore store, long sliceMs) {
        this.store = store;
        this.sliceMs = sliceMs;
    }

    /**
     * Admits the call against this instance's slice, or returns null (then ask the store with
     * {@link #ask}). The decision carries the slice's window, so the call settles in its minute.
     */
    public AdmitDecision tryLocal(
            String customerId, CustomerLimits limits, long nowMs, long reserveNanos, long tokens) {
        synchronized (this) {
            Slice s = slices.get(customerId);
            if (s == null) {
                s = new Slice();
                slices.put(customerId, s);
            }
            count(s, nowMs);
            s.lastUseMs = nowMs;
            if (s.decision == null
                    || !limits.equals(s.limits)
                    || Windows.start(nowMs) != s.windowStartMs
                    || (limits.periodEndMs() > 0 && nowMs >= limits.periodEndMs())
                    || s.requestsLeft < 1
                    || s.budgetLeft < Math.max(0, reserveNanos)
                    || s.tokensLeft < Math.max(0, tokens)) {
                storeAdmits.incrementAndGet();
                return null;
            }
            s.requestsLeft--;
            s.budgetLeft -= Math.max(0, reserveNanos);
            s.tokensLeft -= Math.max(0, tokens);
            localAdmits.incrementAndGet();
            return s.decision;
        }
    }

    /**
     * The slice to ask the store for along with this call's admission; {@link Lease#NONE} while
     * another ask of this customer is on its way, so that concurrent calls that found the slice
     * used up do not each take one (each instance holds at most one slice per customer). Every
     * ask must be answered with {@link #granted} or {@link #failed}.
     */
    public Lease ask(String customerId, long reserveNanos, long tokens) {
        long calls;
        synchronized (this) {
            Slice s = slices.get(customerId);
            if (s == null || s.asking) {
                return Lease.NONE;
            }
            calls = Math.max(s.callsLastSecond, s.callsThisSecond);
            if (calls < MIN_CALLS_PER_SECOND) {
                return Lease.NONE;
            }
            s.asking = true;
        }
        long n = Math.max(2, calls * sliceMs / 1000);
        return new Lease(n * Math.max(0, reserveNanos), n, n * Math.max(0, tokens));
    }

    /** The store admission that carried {@code ask} failed (nothing was granted). */
    public void failed(String customerId, Lease ask) {
        if (ask.isEmpty()) {
            return;
        }
        synchronized (this) {
            Slice s = slices.get(customerId);
            if (s != null) {
                s.asking = false;
            }
        }
    }

    /**
     * Records the store's answer to a call that carried {@code ask}: the slice granted (nothing
     * when refused). A slice of the same window and limits is added to what is left of the
     * current one (both are counted in the same window and budget bucket); otherwise the current
     * slice is returned and replaced. A current slice of other limits (an admin write) or of a past
     * window is returned at any answer, so what it held is counted again at once.
     */
    public void granted(String customerId, Lease ask, CustomerLimits limits, AdmitDecision decision, Lease slice) {
        Slice old = null;
        synchronized (this) {
            Slice s = slices.get(customerId);
            if (s == null) {
                s = new Slice();
                slices.put(customerId, s);
            }
            if (!ask.isEmpty()) {
                s.asking = false;
            }
            boolean usable =
                    s.decision != null && limits.equals(s.limits) && decision.windowStartMs() == s.windowStartMs;
            if (slice.isEmpty()) {
                if (s.decision != null && !usable) {
                    // Limits changed (an admin write) or the minute moved on: give it back now.
                    old = copyOf(s);
                    s.decision = null;
                }
            } else if (usable) {
                s.budgetLeft += slice.budgetNanos();
                s.requestsLeft += slice.requests();
                s.tokensLeft += slice.tokens();
                granted.incrementAndGet();
            } else {
                if (s.decision != null) {
                    old = copyOf(s);
                }
                install(s, limits, decision, slice);
            }
        }
        if (old != null) {
            giveBack(customerId, old);
        }
    }

    /** Makes {@code slice} the customer's slice (the caller returned the previous one). */
    private void install(Slice s, CustomerLimits limits, AdmitDecision decision, Lease slice) {
        s.limits = limits;
        s.windowStartMs = decision.windowStartMs();
        s.budgetLeft = slice.budgetNanos();
        s.requestsLeft = slice.requests();
        s.tokensLeft = slice.tokens();
        // Remaining quota as the store counted it at the grant, the slice included.
        s.decision = new AdmitDecision(
                decision.outcome(),
                decision.spentNanos(),
                decision.reservedNanos(),
                decision.windowStartMs(),
                decision.windowResetMs(),
                decision.remainingRequests() < 0 ? -1 : Math.max(0, decision.remainingRequests() - slice.requests()),
                decision.remainingTokens() < 0 ? -1 : Math.max(0, decision.remainingTokens() - slice.tokens()),
                decision.windowTokens() + slice.tokens());
        granted.incrementAndGet();
    }

    /**
     * Returns the slices idle for a second or of a past window (call about once a second), and
     * forgets customers not seen for a while.
     */
    public void sweep(long nowMs) {
        List<Map.Entry<String, Slice>> due = new ArrayList<>();
        synchronized (this) {
            var it = slices.entrySet().iterator();
            while (it.hasNext()) {
                Map.Entry<String, Slice> e = it.next();
                Slice s = e.getValue();
                boolean idle = nowMs - s.lastUseMs >= IDLE_MS;
                if (s.decision != null && (idle || Windows.start(nowMs) != s.windowStartMs)) {
                    due.add(Map.entry(e.getKey(), copyOf(s)));
                    s.decision = null;
                }
                if (s.decision == null && nowMs - s.lastUseMs >= 2 * Windows.WINDOW_MS) {
                    it.remove();
                }
            }
        }
        for (Map.Entry<String, Slice> e : due) {
            giveBack(e.getKey(), e.getValue());
        }
    }

    /** Returns every slice (shutdown). */
    public void returnAll() {
        sweep(Long.MAX_VALUE / 2);
    }

    private void giveBack(String customerId, Slice s) {
        returned.incrementAndGet();
        if (s.budgetLeft > 0 || s.requestsLeft > 0 || s.tokensLeft > 0) {
            // Not awaited: a lost return is a slice that expires with its minute's reservations.
            store.returnLease(customerId, s.windowStartMs, new Lease(s.budgetLeft, s.requestsLeft, s.tokensLeft));
        }
    }

    private static Slice copyOf(Slice s) {
        Slice c = new Slice();
        c.windowStartMs = s.windowStartMs;
        c.budgetLeft = s.budgetLeft;
        c.requestsLeft = s.requestsLeft;
        c.tokensLeft = s.tokensLeft;
        return c;
    }

    private static void count(Slice s, long nowMs) {
        long second = nowMs / 1000;
        if (second != s.rateSecond) {
            s.callsLastSecond = second == s.rateSecond + 1 ? s.callsThisSecond : 0;
            s.callsThisSecond = 0;
            s.rateSecond = second;
        }
        s.callsThisSecond++;
    }

    public long slicesGranted() {
        return granted.get();
    }

    public long slicesReturned() {
        return returned.get();
    }

    public long localAdmissions() {
        return localAdmits.get();
    }

    /** Calls that had to ask the store (no slice, or it did not fit). */
    public long storeAdmissions() {
        return storeAdmits.get();
    }
}
