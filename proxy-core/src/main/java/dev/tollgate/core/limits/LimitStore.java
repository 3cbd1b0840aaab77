package dev.tollgate.core.limits;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Per-customer counters: period spend with in-flight reservations, RPM/TPM windows, and spend
 * pending persistence. Implemented in-process and on Redis (Lua); one contract test suite runs
 * against both. Every method is non-blocking; futures complete on an arbitrary thread.
 *
 * <p>Admission rule (documented in the README): a call is admitted while
 * {@code spent + reserved < max_budget}, the window's request count is below {@code rpm} and its
 * token count (including reservations) is below {@code tpm}. Only when all pass does it count the
 * request and reserve cost and tokens. A refused call increments nothing.
 *
 * <p>Reservations expire: the budget reservation is kept in the bucket of its admission minute
 * ({@link AdmitDecision#windowStartMs()}), and an admission first drops the buckets older than
 * {@link AdmitRequest#reservationTtlMs()}, so a call that is never settled (its instance crashed,
 * or its admit ran in Redis after the caller gave up) holds budget for a bounded time only. A
 * settle releases from its own bucket only, at most what the bucket still holds: a settle arriving
 * after its bucket expired releases nothing and cannot take other calls' reservations. TPM
 * reservations live in the minute's window and leave with it.
 *
 * <p>Budget periods reset lazily: when {@code now >= periodEnd} of the stored account, spend
 * starts again from zero and the account adopts the period end passed with the limits.
 *
 * <p>Model budgets ({@code model_max_budget}): an admission that carries {@link AdmitRequest#model()}
 * also checks that entry's own account (spend + reservations against its max budget, same minute
 * buckets and expiry, its own period reset lazily on its own calendar) and its own RPM/TPM window,
 * after the customer's checks and in the same atomic step; only when everything passes are both
 * counted. A missing model account answers {@code MODEL_NEEDS_SEED} (or is created at zero plus
 * its pending spend with {@code createIfAbsent}); {@link #reconcile} with
 * {@link ReconcileRequest#model()} seeds it. Such an admission never takes a lease. Its settle
 * ({@link SettleRequest#modelBudgetKey()}) releases the model reservation, adds the cost to the
 * model's spend and queues it as {@link PendingFields#modelField}, applied once per settle id like
 * the rest.
 */
public interface LimitStore extends AutoCloseable {
    /**
     * How long a store remembers an applied {@link SettleRequest#settleId()}, counted from when it
     * was applied: a settle re-sent within this time is recognised and not counted twice.
     */
    long SETTLE_ID_RETENTION_MS = 15 * 60_000L;

    /**
     * Reservation lifetime when the caller names none: the default {@code request_timeout} (600 s)
     * plus one minute. See {@link AdmitRequest#reservationTtlMs()}.
     */
    long DEFAULT_RESERVATION_TTL_MS = 660_000L;

    /** Which store this is. */
    LimitStoreKind kind();

    CompletionStage<AdmitDecision> admit(AdmitRequest request);

    /**
     * As {@link #admit}, and when the call is admitted also takes a slice of the customer's quota
     * for {@code ask} in the same atomic step (see {@link Lease} for the grant rule). The call
     * uses the window and budget bucket of {@code request.nowMs()}, and so does the slice. A
     * refused call takes no slice. Stores without leases grant none.
     */
    default CompletionStage<LeasedAdmission> admitAndLease(AdmitRequest request, Lease ask) {
        return admit(request).thenApply(d -> new LeasedAdmission(d, Lease.NONE));
    }

    /**
     * Gives back the unused part of a slice taken in window {@code windowStartMs}: its budget (at
     * most what that minute's bucket still holds: a slice already expired releases nothing) and its
     * requests and tokens (from the window, if it still exists, never below zero).
     */
    default CompletionStage<Void> returnLease(String customerId, long windowStartMs, Lease unused) {
        return CompletableFuture.completedFuture(null);
    }

    /**
     * Creates the account with {@code spentNanos} plus the spend pending for that period if (and
     * only if) the store holds none; never overwrites. It cannot tell whether a flush moved pending
     * spend into {@code spentNanos} meanwhile: the proxy seeds with {@link #reconcile}, which can.
     */
    CompletionStage<Void> seed(String customerId, long spentNanos, long periodEndMs);

    CompletionStage<SettleResult> settle(SettleRequest request);

    CompletionStage<AccountSnapshot> snapshot(String customerId);

    /**
     * What the store holds for one of the customer's {@code model_max_budget} entries (its key as
     * written): the entry's spend in its period (settled spend, persisted or not), its reservations
     * and period end; absent until the first call of that entry (or after the store lost its data).
     */
    CompletionStage<AccountSnapshot> modelSnapshot(String customerId, String model);

    /**
     * Starts a new budget period for an existing account: spent = 0 and period end =
     * {@code newPeriodEndMs}; reserved (released by the calls in flight) and pending spend stay.
     * A no-op when the store holds no account.
     */
    CompletionStage<Void> resetSpend(String customerId, long newPeriodEndMs);

    /** Customers that may have pending spend (at most {@code max}). */
    CompletionStage<List<String>> dirtyCustomers(int max);

    /** Claims (or re-claims) the customer's pending spend; an empty batch when none. */
    CompletionStage<PendingBatch> claimPending(String customerId);

    /** Forgets a batch after its database commit. A no-op when the batch is not the claimed one. */
    CompletionStage<Void> ackPending(String customerId, String batchId);

    /**
     * {@link #claimPending(String)} for several customers: one stage per customer, in order. A
     * store may serve them in fewer round trips; customers served together fail together.
     */
    default List<CompletionStage<PendingBatch>> claimPending(List<String> customerIds) {
        List<CompletionStage<PendingBatch>> out = new ArrayList<>(customerIds.size());
        for (String customerId : customerIds) {
            out.add(claimPending(customerId));
        }
        return out;
    }

    /**
     * {@link #ackPending(String, String)} for several batches: one stage per batch, in order. An
     * acknowledgement that leaves a customer with nothing pending also clears its dirty mark, so a
     * flushed customer needs no further claim; a settle after it marks the customer again.
     */
    default List<CompletionStage<Void>> ackPending(List<PendingBatch> batches) {
        List<CompletionStage<Void>> out = new ArrayList<>(batches.size());
        for (PendingBatch batch : batches) {
            out.add(ackPending(batch.customerId(), batch.batchId()));
        }
        return out;
    }

    /** Pending spend (claimed or not) of one customer, in nano-dollars, for read-your-writes views. */
    CompletionStage<Long> pendingNanos(String customerId);

    /**
     * Spend of one {@code model_max_budget} entry and period still pending persistence (claimed or
     * not), in nano-dollars: what the ledger row of that period lacks, for read-your-writes views.
     */
    CompletionStage<Long> pendingModelNanos(String customerId, String model, long periodEndMs);

    /**
     * The customer's flush state, to read before the ledger when reconciling (see
     * {@link #reconcile}). The token changes at every claim of pending spend and at every
     * acknowledgement of a committed batch.
     */
    CompletionStage<FlushState> flushState(String customerId);

    /**
     * Makes the enforced spend equal the ledger plus the spend pending persistence, atomically, or
     * creates the account that way ({@link ReconcileRequest#createIfAbsent()}).
     *
     * <p>The caller reads {@link #flushState} first, then the ledger and whether the claimed batch
     * is committed, in one database snapshot. If a flush claimed or acknowledged spend since,
     * nothing changes and the outcome is {@link Reconciliation.Outcome#FLUSH_MOVED}: read again.
     * Otherwise the enforced spend becomes {@code ledger + pending of the period + claimed (unless
     * committed)}, where pending of the period is the spend queued under the account's period end
     * and the spend queued without an account (which the database adds to the running period).
     * Settles in between are counted (they raise spent and pending together), reservations are
     * untouched. An account in another period than the ledger figure, or whose period ends within
     * {@link Reconciliation#PERIOD_MARGIN_MS}, is left alone. Safe to run from several instances
     * at once: each run sets the same figure or changes nothing.
     */
    CompletionStage<Reconciliation> reconcile(ReconcileRequest request);

    /**
     * Takes one of the customer's {@code limit} in-flight slots ({@code max_parallel_requests}) for
     * the call {@code slotId}, unless {@code limit} are taken; slots whose expiry has passed are
     * dropped first, so the slots of a crashed instance come back after {@code ttlMs}. Atomic per
     * customer and fleet-wide on Redis. The caller releases the slot with {@link #releaseSlot} on
     * every way the call ends.
     */
    CompletionStage<SlotGrant> acquireSlot(String customerId, String slotId, long limit, long nowMs, long ttlMs);

    /** Gives the slot back; a no-op for a slot already released or expired. */
    CompletionStage<Void> releaseSlot(String customerId, String slotId);

    /** The customer's in-flight slots not yet expired at {@code nowMs} (calls running now, for views). */
    CompletionStage<Long> inFlight(String customerId, long nowMs);

    @Override
    void close();

    /**
     * Whether a settle can end without the caller knowing if it was applied (a timeout on a remote
     * store). Only then is a settle journaled and replayed, which is what its settle id is for.
     */
    default boolean outcomeCanBeUnknown() {
        return true;
    }
}
