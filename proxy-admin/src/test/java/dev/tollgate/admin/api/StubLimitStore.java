package dev.tollgate.admin.api;

import dev.tollgate.core.limits.AccountSnapshot;
import dev.tollgate.core.limits.AdmitDecision;
import dev.tollgate.core.limits.AdmitRequest;
import dev.tollgate.core.limits.FlushState;
import dev.tollgate.core.limits.LimitStore;
import dev.tollgate.core.limits.LimitStoreKind;
import dev.tollgate.core.limits.PendingBatch;
import dev.tollgate.core.limits.ReconcileRequest;
import dev.tollgate.core.limits.Reconciliation;
import dev.tollgate.core.limits.SettleRequest;
import dev.tollgate.core.limits.SettleResult;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A limit store whose answers for {@code snapshot} and {@code pendingNanos} the test sets directly,
 * and which can play "unreachable". The admin API uses no other method.
 */
final class StubLimitStore implements LimitStore {
    final Map<String, AccountSnapshot> snapshots = new ConcurrentHashMap<>();
    final Map<String, Long> pending = new ConcurrentHashMap<>();
    final Map<String, Boolean> unreachable = new ConcurrentHashMap<>();

    @Override
    public CompletionStage<AccountSnapshot> snapshot(String customerId) {
        if (unreachable.containsKey(customerId)) {
            return CompletableFuture.failedFuture(new IllegalStateException("store down"));
        }
        return CompletableFuture.completedFuture(snapshots.getOrDefault(customerId, AccountSnapshot.ABSENT));
    }

    @Override
    public CompletionStage<AccountSnapshot> modelSnapshot(String customerId, String model) {
        return CompletableFuture.completedFuture(AccountSnapshot.ABSENT);
    }

    @Override
    public CompletionStage<Long> pendingModelNanos(String customerId, String model, long periodEndMs) {
        return CompletableFuture.completedFuture(0L);
    }

    @Override
    public CompletionStage<Long> pendingNanos(String customerId) {
        return CompletableFuture.completedFuture(pending.getOrDefault(customerId, 0L));
    }

    @Override
    public LimitStoreKind kind() {
        return LimitStoreKind.IN_PROCESS;
    }

    @Override
    public CompletionStage<AdmitDecision> admit(AdmitRequest request) {
        return unsupported();
    }

    @Override
    public CompletionStage<dev.tollgate.core.limits.SlotGrant> acquireSlot(
            String customerId, String slotId, long limit, long nowMs, long ttlMs) {
        return unsupported();
    }

    @Override
    public CompletionStage<Void> releaseSlot(String customerId, String slotId) {
        return unsupported();
    }

    @Override
    public CompletionStage<Long> inFlight(String customerId, long nowMs) {
        return CompletableFuture.completedFuture(0L);
    }

    @Override
    public CompletionStage<Void> seed(String customerId, long spentNanos, long periodEndMs) {
        return unsupported();
    }

    @Override
    public CompletionStage<SettleResult> settle(SettleRequest request) {
        return unsupported();
    }

    @Override
    public CompletionStage<Void> resetSpend(String customerId, long newPeriodEndMs) {
        return unsupported();
    }

    @Override
    public CompletionStage<List<String>> dirtyCustomers(int max) {
        return unsupported();
    }

    @Override
    public CompletionStage<PendingBatch> claimPending(String customerId) {
        return unsupported();
    }

    @Override
    public CompletionStage<Void> ackPending(String customerId, String batchId) {
        return unsupported();
    }

    @Override
    public CompletionStage<FlushState> flushState(String customerId) {
        return unsupported();
    }

    @Override
    public CompletionStage<Reconciliation> reconcile(ReconcileRequest request) {
        return unsupported();
    }

    @Override
    public void close() {}

    private static <T> CompletionStage<T> unsupported() {
        return CompletableFuture.failedFuture(new UnsupportedOperationException("not used by the admin API"));
    }
}
