package dev.tollgate.core.limits;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Folding settles: what reaches the store, what a failure hands over, what a crash loses. The
 * flush interval is an hour unless a test wants the timer, so flushes happen when the test says.
 */
class SettleBatcherTest {
    static final long T0 = 1_700_000_040_000L;
    static final long PERIOD_END = T0 + 3_600_000L;
    static final long HOUR_MS = 3_600_000L;

    ScheduledExecutorService scheduler;
    Recording store;
    AtomicLong ids = new AtomicLong();

    @BeforeEach
    void setUp() {
        scheduler = Executors.newSingleThreadScheduledExecutor();
        store = new Recording(new InProcessLimitStore());
    }

    @AfterEach
    void tearDown() {
        scheduler.shutdownNow();
        store.close();
    }

    SettleBatcher batcher(long intervalMs, SettleBatcher.Failure failure) {
        return new SettleBatcher(store, intervalMs, scheduler, () -> "b-" + ids.incrementAndGet(), failure);
    }

    AdmitDecision admit(String customer, long reserve) {
        await(store.seed(customer, 0, PERIOD_END));
        return await(store.admit(
                new AdmitRequest(customer, new CustomerLimits(1_000_000, -1, -1, PERIOD_END), T0, reserve, 0)));
    }

    static SettleRequest settle(String customer, AdmitDecision d, String model, long reserve, long cost, boolean ok) {
        return SettleRequest.builder()
                .customerId(customer)
                .windowStartMs(d.windowStartMs())
                .day("2023-11-14")
                .model(model)
                .reserveNanos(reserve)
                .costNanos(cost)
                .promptTokens(3)
                .completionTokens(4)
                .success(ok)
                .build();
    }

    @Test
    void settlesOfOneCustomerModelAndMinuteGoToTheStoreAsOne() {
        SettleBatcher b = batcher(HOUR_MS, (batch, pe, err) -> {});
        AdmitDecision d = admit("ann", 100);
        admit("ann", 100);
        admit("ann", 100);
        AdmitDecision e = admit("bob", 100);
        List<CompletionStage<SettleResult>> results = List.of(
                b.settle(settle("ann", d, "m", 100, 10, true), PERIOD_END),
                b.settle(settle("ann", d, "m", 100, 20, false), PERIOD_END),
                b.settle(settle("ann", d, "other", 100, 30, true), PERIOD_END),
                b.settle(settle("bob", e, "m", 100, 40, true), PERIOD_END));
        assertThat(store.settles).isEmpty();
        assertThat(b.bufferedNanos()).isEqualTo(100);

        await(b.flush());

        assertThat(store.settles).hasSize(3);
        SettleRequest folded = store.settles.stream()
                .filter(r -> r.customerId().equals("ann") && r.model().equals("m"))
                .findFirst()
                .orElseThrow();
        assertThat(folded.requests()).isEqualTo(2);
        assertThat(folded.successfulRequests()).isEqualTo(1);
        assertThat(folded.costNanos()).isEqualTo(30);
        assertThat(folded.reserveNanos()).isEqualTo(200);
        assertThat(folded.promptTokens()).isEqualTo(6);
        assertThat(folded.settleId()).startsWith("b-");
        assertThat(store.settles).extracting(SettleRequest::settleId).doesNotHaveDuplicates();
        // Every call learns the period spend after its batch.
        assertThat(await(results.get(0)).spentNanos())
                .isEqualTo(await(results.get(1)).spentNanos());
        assertThat(await(results.get(3)).spentNanos()).isEqualTo(40);
        assertThat(await(store.snapshot("ann"))).isEqualTo(new AccountSnapshot(true, 60, 0, PERIOD_END));
        assertThat(b.batches()).isEqualTo(3);
        assertThat(b.settles()).isEqualTo(4);
        assertThat(b.bufferedNanos()).isZero();
    }

    @Test
    void aBatchTheStoreDidNotConfirmIsHandedOverWholeUnderItsId() {
        List<SettleRequest> failed = new ArrayList<>();
        store.failing = true;
        SettleBatcher b = batcher(HOUR_MS, (batch, pe, err) -> failed.add(batch));
        AdmitDecision d = admit("ann", 100);
        CompletionStage<SettleResult> first = b.settle(settle("ann", d, "m", 100, 10, true), PERIOD_END);
        CompletionStage<SettleResult> second = b.settle(settle("ann", d, "m", 100, 20, true), PERIOD_END);

        await(b.flush());

        assertThat(await(first)).isNull();
        assertThat(await(second)).isNull();
        assertThat(failed).singleElement().satisfies(batch -> {
            assertThat(batch.requests()).isEqualTo(2);
            assertThat(batch.costNanos()).isEqualTo(30);
            assertThat(batch.settleId()).isNotNull();
        });
        // The replay (the journal re-sends it under the same id) counts once, even twice over.
        store.failing = false;
        await(store.settle(failed.get(0)));
        await(store.settle(failed.get(0)));
        assertThat(await(store.snapshot("ann")).spentNanos()).isEqualTo(30);
    }

    @Test
    void aCrashLosesOnlyTheSettlesStillFoldedAndTheirReservationsExpire() {
        SettleBatcher b = batcher(HOUR_MS, (batch, pe, err) -> {});
        AdmitDecision sent = admit("ann", 100);
        b.settle(settle("ann", sent, "m", 100, 10, true), PERIOD_END);
        await(b.flush());
        AdmitDecision folded = admit("ann", 100);
        b.settle(settle("ann", folded, "m", 100, 25, true), PERIOD_END);
        b.settle(settle("ann", folded, "m", 0, 5, true), PERIOD_END);

        // The process dies here (kill -9): the batcher is never flushed. What is lost is exactly
        // what it reported as buffered; the settled spend is in the store, and the lost calls'
        // reservations keep holding budget until they expire, like those of calls in flight.
        long lost = b.bufferedNanos();
        assertThat(lost).isEqualTo(30);
        assertThat(await(store.snapshot("ann"))).isEqualTo(new AccountSnapshot(true, 10, 100, PERIOD_END));
        long ttl = 5 * 60_000L;
        AdmitDecision later = await(store.admit(new AdmitRequest(
                "ann", new CustomerLimits(1_000_000, -1, -1, PERIOD_END), T0 + 60_000 + ttl, 0, 0, ttl)));
        assertThat(later.reservedNanos()).isZero();
        assertThat(later.spentNanos()).isEqualTo(10);
    }

    @Test
    void theTimerSendsAWindowOfSettlesWithoutAnyoneAsking() throws Exception {
        SettleBatcher b = batcher(1, (batch, pe, err) -> {});
        AdmitDecision d = admit("ann", 100);
        CompletionStage<SettleResult> r = b.settle(settle("ann", d, "m", 100, 10, true), PERIOD_END);

        assertThat(r.toCompletableFuture().get(10, TimeUnit.SECONDS).spentNanos())
                .isEqualTo(10);
        // And arms again for the next window.
        CompletionStage<SettleResult> next = b.settle(settle("ann", d, "m", 0, 5, true), PERIOD_END);
        assertThat(next.toCompletableFuture().get(10, TimeUnit.SECONDS).spentNanos())
                .isEqualTo(15);
    }

    @Test
    void afterCloseSettlesGoStraightToTheStore() {
        SettleBatcher b = batcher(HOUR_MS, (batch, pe, err) -> {});
        AdmitDecision d = admit("ann", 100);
        CompletionStage<SettleResult> open = b.settle(settle("ann", d, "m", 50, 10, true), PERIOD_END);
        b.close();
        assertThat(await(open).spentNanos()).isEqualTo(10);

        assertThat(await(b.settle(settle("ann", d, "m", 50, 5, true), PERIOD_END))
                        .spentNanos())
                .isEqualTo(15);
        assertThat(store.settles).hasSize(2);
    }

    static <T> T await(CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** Records the settles that reach the store; fails them while {@code failing}. */
    static final class Recording implements LimitStore {
        final LimitStore d;
        final List<SettleRequest> settles = new ArrayList<>();
        volatile boolean failing;

        Recording(LimitStore delegate) {
            this.d = delegate;
        }

        @Override
        public synchronized CompletionStage<SettleResult> settle(SettleRequest r) {
            if (failing) {
                return CompletableFuture.failedFuture(new IllegalStateException("store away"));
            }
            settles.add(r);
            return d.settle(r);
        }

        @Override
        public LimitStoreKind kind() {
            return d.kind();
        }

        @Override
        public CompletionStage<AdmitDecision> admit(AdmitRequest r) {
            return d.admit(r);
        }

        @Override
        public CompletionStage<Void> seed(String customerId, long spentNanos, long periodEndMs) {
            return d.seed(customerId, spentNanos, periodEndMs);
        }

        @Override
        public CompletionStage<AccountSnapshot> snapshot(String customerId) {
            return d.snapshot(customerId);
        }

        @Override
        public CompletionStage<AccountSnapshot> modelSnapshot(String customerId, String model) {
            return d.modelSnapshot(customerId, model);
        }

        @Override
        public CompletionStage<Long> pendingModelNanos(String customerId, String model, long periodEndMs) {
            return d.pendingModelNanos(customerId, model, periodEndMs);
        }

        @Override
        public CompletionStage<Void> resetSpend(String customerId, long newPeriodEndMs) {
            return d.resetSpend(customerId, newPeriodEndMs);
        }

        @Override
        public CompletionStage<List<String>> dirtyCustomers(int max) {
            return d.dirtyCustomers(max);
        }

        @Override
        public CompletionStage<PendingBatch> claimPending(String customerId) {
            return d.claimPending(customerId);
        }

        @Override
        public CompletionStage<Void> ackPending(String customerId, String batchId) {
            return d.ackPending(customerId, batchId);
        }

        @Override
        public CompletionStage<Long> pendingNanos(String customerId) {
            return d.pendingNanos(customerId);
        }

        @Override
        public CompletionStage<FlushState> flushState(String customerId) {
            return d.flushState(customerId);
        }

        @Override
        public CompletionStage<Reconciliation> reconcile(ReconcileRequest r) {
            return d.reconcile(r);
        }

        @Override
        public CompletionStage<SlotGrant> acquireSlot(
                String customerId, String slotId, long limit, long nowMs, long ttlMs) {
            return d.acquireSlot(customerId, slotId, limit, nowMs, ttlMs);
        }

        @Override
        public CompletionStage<Void> releaseSlot(String customerId, String slotId) {
            return d.releaseSlot(customerId, slotId);
        }

        @Override
        public CompletionStage<Long> inFlight(String customerId, long nowMs) {
            return d.inFlight(customerId, nowMs);
        }

        @Override
        public void close() {
            d.close();
        }
    }
}
