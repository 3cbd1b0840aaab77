package dev.tollgate.core.limits;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The single-instance {@link LimitStore}: the same semantics as the Redis store
 * ({@code limits.redis.RedisLimitStore}), in Java.
 * Each customer's state is one object and every operation runs under that object's monitor, so it
 * is atomic per customer and never waits on I/O; futures are returned already completed.
 *
 * <p>Semantics (shared with the Redis store and checked by the same contract tests):
 * <ul>
 * <li><b>admit</b>: no account → {@code NEEDS_SEED}, nothing changed. If the account's period end
 * is set and {@code now >= periodEnd}, spent becomes 0 (reserved is kept: the calls in flight
 * release it). The account then adopts {@code limits.periodEndMs}. Reservations are kept per
 * admission minute; the minutes that ended {@code reservationTtlMs} or more before {@code now} are
 * dropped, and reserved is the sum of the others. Refused, in this order, when
 * {@code spent + reserved >= maxBudget} (budget ≥ 0), when the fixed, epoch-minute aligned
 * 60 s window already counts {@code rpm} requests, or {@code tpm} tokens. Only an admitted call
 * counts one request, adds {@code reserveTokens} to the window and {@code reserveNanos} to
 * reserved (in the bucket of the admission minute); a refused call changes nothing but the lazy
 * period reset and the dropping of expired reservations. Spent and reserved are
 * reported as before the call; remaining quota after it (0 for the limit exceeded, −1 for none).
 * <li><b>seed</b>: creates the account only when absent, adding the spend still pending (or
 * claimed and not acknowledged) for the same period end and the spend queued without an account.
 * <li><b>reconcile</b>: when the flush state is the one the caller read before the ledger, sets
 * (or creates) the account's spent to ledger + pending of the period (+ claimed unless committed);
 * see {@link LimitStore#reconcile}.
 * <li><b>settle</b>: releases the reservation from the bucket of its admission minute
 * ({@code windowStartMs}), at most what that bucket still holds (nothing once it expired), and
 * spent += cost, only when the account exists; the window's tokens are corrected by {@code rateTokens − reserveTokens} (floor 0) when
 * the window is still kept; the cost goes to pending spend of the account's period end (0 without
 * account) with the day/model aggregate; the customer is marked dirty.
 * <li><b>claimPending / ackPending</b>: a claimed batch is handed out again until acknowledged
 * with its id; an empty claim clears the dirty mark, and so does an ack that leaves nothing pending;
 * a new claim and an acknowledgement change the flush token.
 * </ul>
 * Windows older than the previous minute are dropped at the customer's next admission, so memory
 * stays bounded to about two windows per customer.
 */
public final class InProcessLimitStore implements LimitStore {
    private final ConcurrentHashMap<String, CustomerState> customers = new ConcurrentHashMap<>();
    private final Set<String> dirty = ConcurrentHashMap.newKeySet();
    /** In-flight slots per customer: slot id → expiry (epoch ms). Only customers with a parallel limit have one. */
    private final ConcurrentHashMap<String, java.util.Map<String, Long>> slots = new ConcurrentHashMap<>();

    @Override
    public LimitStoreKind kind() {
        return LimitStoreKind.IN_PROCESS;
    }

    @Override
    public CompletionStage<SlotGrant> acquireSlot(
            String customerId, String slotId, long limit, long nowMs, long ttlMs) {
        SlotGrant[] out = new SlotGrant[1];
        // compute() runs under the map's lock for this key: the check and the take are one step.
        slots.compute(customerId, (id, held) -> {
            java.util.Map<String, Long> m = held != null ? held : new java.util.HashMap<>();
            m.values().removeIf(expiry -> expiry <= nowMs);
            if (m.size() >= limit) {
                out[0] = new SlotGrant(false, m.size());
            } else {
                m.put(slotId, nowMs + ttlMs);
                out[0] = new SlotGrant(true, m.size());
            }
            return m.isEmpty() ? null : m;
        });
        return CompletableFuture.completedFuture(out[0]);
    }

    @Override
    public CompletionStage<Void> releaseSlot(String customerId, String slotId) {
        slots.computeIfPresent(customerId, (id, m) -> {
            m.remove(slotId);
            return m.isEmpty() ? null : m;
        });
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<Long> inFlight(String customerId, long nowMs) {
        long[] n = new long[1];
        slots.computeIfPresent(customerId, (id, m) -> {
            n[0] = m.values().stream().filter(expiry -> expiry > nowMs).count();
            return m;
        });
        return CompletableFuture.completedFuture(n[0]);
    }

    @Override
    public CompletionStage<AdmitDecision> admit(AdmitRequest request) {
        return withState(request.customerId(), s -> s.admit(request));
    }

    @Override
    public CompletionStage<LeasedAdmission> admitAndLease(AdmitRequest request, Lease ask) {
        return withState(request.customerId(), s -> s.admit(request, ask));
    }

    @Override
    public CompletionStage<Void> returnLease(String customerId, long windowStartMs, Lease unused) {
        return withState(customerId, s -> {
            s.returnLease(windowStartMs, unused);
            return null;
        });
    }

    @Override
    public CompletionStage<Void> seed(String customerId, long spentNanos, long periodEndMs) {
        return withState(customerId, s -> {
            s.seed(spentNanos, periodEndMs);
            return null;
        });
    }

    @Override
    public CompletionStage<SettleResult> settle(SettleRequest request) {
        return withState(request.customerId(), s -> {
            SettleResult result = s.settle(request);
            dirty.add(request.customerId());
            return result;
        });
    }

    @Override
    public CompletionStage<AccountSnapshot> snapshot(String customerId) {
        CustomerState state = customers.get(customerId);
        if (state == null) {
            return CompletableFuture.completedFuture(AccountSnapshot.ABSENT);
        }
        synchronized (state) {
            return CompletableFuture.completedFuture(state.snapshot());
        }
    }

    @Override
    public CompletionStage<AccountSnapshot> modelSnapshot(String customerId, String model) {
        CustomerState state = customers.get(customerId);
        if (state == null) {
            return CompletableFuture.completedFuture(AccountSnapshot.ABSENT);
        }
        synchronized (state) {
            return CompletableFuture.completedFuture(state.modelSnapshot(model));
        }
    }

    @Override
    public CompletionStage<Void> resetSpend(String customerId, long newPeriodEndMs) {
        return withState(customerId, s -> {
            s.resetSpend(newPeriodEndMs);
            return null;
        });
    }

    @Override
    public CompletionStage<List<String>> dirtyCustomers(int max) {
        return CompletableFuture.completedFuture(
                dirty.stream().limit(Math.max(0, max)).toList());
    }

    @Override
    public CompletionStage<PendingBatch> claimPending(String customerId) {
        return withState(customerId, s -> {
            PendingBatch batch = s.claim(customerId);
            if (batch == null) {
                // Under the customer's monitor: no settle can slip in between the check and this.
                dirty.remove(customerId);
                return PendingFields.empty(customerId);
            }
            return batch;
        });
    }

    @Override
    public CompletionStage<Void> ackPending(String customerId, String batchId) {
        return withState(customerId, s -> {
            s.ack(batchId);
            if (!s.hasPending()) {
                // Under the customer's monitor, as in claimPending: the next settle marks it again.
                // Without this, every flushed customer would cost a second, empty claim.
                dirty.remove(customerId);
            }
            return null;
        });
    }

    @Override
    public CompletionStage<Long> pendingNanos(String customerId) {
        return withState(customerId, CustomerState::pendingNanos);
    }

    @Override
    public CompletionStage<Long> pendingModelNanos(String customerId, String model, long periodEndMs) {
        return withState(customerId, s -> s.pendingModelNanos(model, periodEndMs));
    }

    @Override
    public CompletionStage<FlushState> flushState(String customerId) {
        return withState(customerId, CustomerState::flushState);
    }

    @Override
    public CompletionStage<Reconciliation> reconcile(ReconcileRequest request) {
        return withState(request.customerId(), s -> s.reconcile(request));
    }

    /** Every call completes in the caller's thread with a definite result. */
    @Override
    public boolean outcomeCanBeUnknown() {
        return false;
    }

    @Override
    public void close() {
        // Nothing to release: the state lives and dies with this object.
    }

    /** Windows currently kept for a customer (for tests of bounded memory). */
    int windowCount(String customerId) {
        return withState(customerId, CustomerState::windowCount)
                .toCompletableFuture()
                .getNow(0);
    }

    /** Reservation buckets (admission minutes) currently kept for a customer (for tests of bounded memory). */
    int reservationBucketCount(String customerId) {
        return withState(customerId, CustomerState::reservationBucketCount)
                .toCompletableFuture()
                .getNow(0);
    }

    private <T> CompletionStage<T> withState(String customerId, Function<CustomerState, T> op) {
        CustomerState state = customers.computeIfAbsent(customerId, k -> new CustomerState());
        try {
            T result;
            synchronized (state) {
                result = op.apply(state);
            }
            return CompletableFuture.completedFuture(result);
        } catch (RuntimeException e) {
            // Same shape as the Redis store: a bad argument fails the future, it is not thrown.
            return CompletableFuture.failedFuture(e);
        }
    }
}
