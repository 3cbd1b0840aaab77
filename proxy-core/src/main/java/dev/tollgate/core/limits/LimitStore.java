package dev.tollgate.core.limits;

import java.util.List;
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
     * Seeds the account from the database if (and only if) the store holds none, then the
     * caller retries admit. Never overwrites an existing account.
     */
    CompletionStage<Void> seed(String customerId, long spentNanos, long periodEndMs);

    CompletionStage<SettleResult> settle(SettleRequest request);

    CompletionStage<AccountSnapshot> snapshot(String customerId);

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

    /** Pending spend (claimed or not) of one customer, in nano-dollars, for read-your-writes views. */
    CompletionStage<Long> pendingNanos(String customerId);

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
