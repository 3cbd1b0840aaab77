package dev.tollgate.core.limits;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.core.limits.AdmitDecision.Outcome;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The {@link LimitStore} contract, run against every implementation: the in-process store and
 * the Redis store must behave identically. Time is passed as {@code nowMs}, never slept.
 */
public abstract class LimitStoreContractTest extends ModelBudgetContract {
    // ---- in-flight slots (max_parallel_requests) ------------------------------------------

    @Test
    void slotsAreTakenUpToTheLimitComeBackOnReleaseAndExpire() {
        long ttl = 60_000;
        assertThat(await(store.acquireSlot(customer, "a", 2, T0, ttl))).isEqualTo(new SlotGrant(true, 1));
        assertThat(await(store.acquireSlot(customer, "b", 2, T0, ttl))).isEqualTo(new SlotGrant(true, 2));
        assertThat(await(store.acquireSlot(customer, "c", 2, T0, ttl))).isEqualTo(new SlotGrant(false, 2));
        assertThat(await(store.inFlight(customer, T0))).isEqualTo(2);
        assertThat(await(store.inFlight(customer + "-none", T0))).isZero();
        // A refusal took nothing; a release gives one slot back, twice is harmless.
        await(store.releaseSlot(customer, "a"));
        await(store.releaseSlot(customer, "a"));
        assertThat(await(store.acquireSlot(customer, "c", 2, T0 + 1, ttl))).isEqualTo(new SlotGrant(true, 2));
        assertThat(await(store.acquireSlot(customer, "d", 2, T0 + 1, ttl))).isEqualTo(new SlotGrant(false, 2));
        // Slots never released (a crashed instance) stop counting once their expiry has passed.
        assertThat(await(store.inFlight(customer, T0 + ttl + 1))).isZero();
        assertThat(await(store.acquireSlot(customer, "e", 2, T0 + ttl + 1, ttl)))
                .isEqualTo(new SlotGrant(true, 1));
        // Other customers have their own slots; a limit of 0 refuses everything.
        assertThat(await(store.acquireSlot(customer + "-other", "x", 1, T0, ttl)))
                .isEqualTo(new SlotGrant(true, 1));
        assertThat(await(store.acquireSlot(customer + "-zero", "x", 0, T0, ttl)))
                .isEqualTo(new SlotGrant(false, 0));
    }

    // ---- seeding -------------------------------------------------------------------------

    @Test
    void unknownCustomerNeedsSeedThenIsAdmittedAfterSeed() {
        AdmitDecision first = admit(limits(1_000, 10, -1), T0, 100, 10);
        assertThat(first.outcome()).isEqualTo(Outcome.NEEDS_SEED);
        assertThat(snapshot()).isEqualTo(AccountSnapshot.ABSENT);

        seed(250, PERIOD_END);
        AdmitDecision second = admit(limits(1_000, 10, -1), T0, 100, 10);

        assertThat(second.outcome()).isEqualTo(Outcome.ADMITTED);
        assertThat(second.spentNanos()).isEqualTo(250);
        assertThat(second.reservedNanos()).isZero();
        assertThat(second.remainingRequests()).isEqualTo(9);
        assertThat(second.remainingTokens()).isEqualTo(-1);
        assertThat(snapshot()).isEqualTo(new AccountSnapshot(true, 250, 100, PERIOD_END));
    }

    @Test
    void admitCreatesAMissingAccountAtZeroWhenAskedInOneStep() {
        AdmitDecision first = await(store.admit(new AdmitRequest(
                customer, limits(1_000, 10, -1), T0, 100, 10, LimitStore.DEFAULT_RESERVATION_TTL_MS, true)));
        assertThat(first.outcome()).isEqualTo(Outcome.ADMITTED);
        assertThat(first.spentNanos()).isZero();
        assertThat(snapshot()).isEqualTo(new AccountSnapshot(true, 0, 100, PERIOD_END));

        // An existing account is never reset by it: spend stays.
        settle(first, 100, 10, 40, 10, "m");
        AdmitDecision second = await(store.admit(new AdmitRequest(
                customer, limits(1_000, 10, -1), T0, 100, 10, LimitStore.DEFAULT_RESERVATION_TTL_MS, true)));
        assertThat(second.spentNanos()).isEqualTo(40);
    }

    @Test
    void seedNeverOverwritesAnAccount() {
        seed(250, PERIOD_END);
        admit(limits(1_000, -1, -1), T0, 100, 0);

        seed(999, PERIOD_END + 1);

        assertThat(snapshot()).isEqualTo(new AccountSnapshot(true, 250, 100, PERIOD_END));
    }

    @Test
    void seedAddsSpendSettledWhileNoAccountExisted() {
        // Admitted, then Redis emptied, then settled: the spend must not vanish from the counter.
        AdmitDecision d = new AdmitDecision(Outcome.ADMITTED, 0, 0, T0, T0 + 60_000, -1, -1, 0);
        SettleResult r = settle(d, 100, 10, 70, 10, "gpt-4o");
        assertThat(r).isEqualTo(new SettleResult(0, 0));
        assertThat(snapshot().present()).as("settle never creates an account").isFalse();
        assertThat(await(store.pendingNanos(customer))).isEqualTo(70);

        seed(1_000, 0);

        assertThat(snapshot()).isEqualTo(new AccountSnapshot(true, 1_070, 0, 0));
    }

    @Test
    void seedAlsoCountsClaimedButUnacknowledgedSpend() {
        AdmitDecision d = new AdmitDecision(Outcome.ADMITTED, 0, 0, T0, T0 + 60_000, -1, -1, 0);
        settle(d, 0, 0, 70, 0, "m");
        PendingBatch claimed = await(store.claimPending(customer));
        settle(d, 0, 0, 30, 0, "m");

        seed(1_000, 0);

        assertThat(claimed.spendByPeriod()).containsExactly(new PendingBatch.PeriodSpend(0, 70));
        assertThat(snapshot().spentNanos()).isEqualTo(1_100);
    }

    @Test
    void seedCountsSpendQueuedWithoutAccountInAnyPeriod() {
        AdmitDecision d = new AdmitDecision(Outcome.ADMITTED, 0, 0, T0, T0 + 60_000, -1, -1, 0);
        settle(d, 0, 0, 70, 0, "m"); // queued under period 0: the database adds it to the running period

        seed(1_000, PERIOD_END);

        assertThat(snapshot().spentNanos()).isEqualTo(1_070);
    }

    // ---- reconciliation ------------------------------------------------------------------

    private Reconciliation reconcile(long ledger, long periodEnd, FlushState seen, boolean claimedApplied, long now) {
        return await(
                store.reconcile(new ReconcileRequest(customer, ledger, periodEnd, seen, claimedApplied, now, true)));
    }

    private FlushState flushState() {
        return await(store.flushState(customer));
    }

    @Test
    void reconcileSetsTheEnforcedSpendToLedgerPlusPending() {
        seed(500, PERIOD_END);
        AdmitDecision d = admit(limits(10_000, -1, -1), T0, 100, 0);
        settle(d, 100, 0, 30, 0, "m");
        assertThat(snapshot().spentNanos()).isEqualTo(530);

        Reconciliation same = reconcile(500, PERIOD_END, flushState(), false, T0);
        assertThat(same).isEqualTo(new Reconciliation(Reconciliation.Outcome.IN_STEP, 530, 530));

        // The ledger holds 100 more than the store believed (e.g. a write the store never saw).
        Reconciliation repaired = reconcile(600, PERIOD_END, flushState(), false, T0);
        assertThat(repaired).isEqualTo(new Reconciliation(Reconciliation.Outcome.REPAIRED, 530, 630));
        assertThat(repaired.driftNanos()).isEqualTo(-100);
        assertThat(snapshot()).isEqualTo(new AccountSnapshot(true, 630, 0, PERIOD_END));
        assertThat(await(store.pendingNanos(customer))).as("pending untouched").isEqualTo(30);
    }

    @Test
    void reconcileKeepsReservationsAndCountsSettlesThatLandAfterTheStateWasRead() {
        seed(0, PERIOD_END);
        AdmitDecision held = admit(limits(10_000, -1, -1), T0, 100, 0);
        AdmitDecision d = admit(limits(10_000, -1, -1), T0, 100, 0);
        FlushState seen = flushState();
        settle(d, 100, 0, 40, 0, "m");

        Reconciliation r = reconcile(1_000, PERIOD_END, seen, false, T0);

        assertThat(held.outcome()).isEqualTo(Outcome.ADMITTED);
        assertThat(r.spentAfter()).isEqualTo(1_040);
        assertThat(snapshot()).isEqualTo(new AccountSnapshot(true, 1_040, 100, PERIOD_END));
    }

    @Test
    void reconcileCreatesAMissingAccountFromLedgerPlusPendingOnlyWhenAsked() {
        AdmitDecision d = new AdmitDecision(Outcome.ADMITTED, 0, 0, T0, T0 + 60_000, -1, -1, 0);
        settle(d, 0, 0, 70, 0, "m"); // settled while the store had no account

        Reconciliation left = await(
                store.reconcile(new ReconcileRequest(customer, 1_000, PERIOD_END, flushState(), false, T0, false)));
        assertThat(left.outcome()).isEqualTo(Reconciliation.Outcome.ABSENT);
        assertThat(snapshot().present()).isFalse();

        Reconciliation created = reconcile(1_000, PERIOD_END, flushState(), false, T0);
        assertThat(created).isEqualTo(new Reconciliation(Reconciliation.Outcome.CREATED, 0, 1_070));
        assertThat(snapshot()).isEqualTo(new AccountSnapshot(true, 1_070, 0, PERIOD_END));
    }

    @Test
    void reconcileChangesNothingWhenAFlushClaimedOrAcknowledgedSinceTheStateWasRead() {
        seed(0, PERIOD_END);
        AdmitDecision d = admit(limits(10_000, -1, -1), T0, 0, 0);
        settle(d, 0, 0, 70, 0, "m");
        FlushState beforeClaim = flushState();
        PendingBatch batch = await(store.claimPending(customer));
        FlushState claimed = flushState();
        assertThat(claimed.claimedBatchId()).isEqualTo(batch.batchId());
        assertThat(claimed).isNotEqualTo(beforeClaim);

        assertThat(reconcile(0, PERIOD_END, beforeClaim, false, T0).outcome())
                .isEqualTo(Reconciliation.Outcome.FLUSH_MOVED);
        await(store.ackPending(customer, batch.batchId()));
        assertThat(reconcile(70, PERIOD_END, claimed, true, T0).outcome())
                .isEqualTo(Reconciliation.Outcome.FLUSH_MOVED);
        // Claimed and acknowledged in between: no batch is claimed, as before, yet the token moved.
        assertThat(flushState().claimedBatchId()).isNull();
        assertThat(reconcile(0, PERIOD_END, beforeClaim, false, T0).outcome())
                .isEqualTo(Reconciliation.Outcome.FLUSH_MOVED);
        assertThat(snapshot().spentNanos()).isEqualTo(70);

        assertThat(reconcile(70, PERIOD_END, flushState(), false, T0).outcome())
                .isEqualTo(Reconciliation.Outcome.IN_STEP);
    }

    @Test
    void reconcileCountsTheClaimedBatchUnlessTheLedgerHoldsIt() {
        seed(0, PERIOD_END);
        AdmitDecision d = admit(limits(10_000, -1, -1), T0, 0, 0);
        settle(d, 0, 0, 70, 0, "m");
        await(store.claimPending(customer));
        settle(d, 0, 0, 30, 0, "m");
        FlushState seen = flushState();

        // The snapshot without the batch: 0 in the ledger, 70 claimed, 30 pending.
        assertThat(reconcile(0, PERIOD_END, seen, false, T0).spentAfter()).isEqualTo(100);
        // The snapshot with it committed (not yet acknowledged): 70 in the ledger, 30 pending.
        assertThat(reconcile(70, PERIOD_END, seen, true, T0))
                .isEqualTo(new Reconciliation(Reconciliation.Outcome.IN_STEP, 100, 100));
        // Erring high (counting the committed batch twice) is exactly what it must not do.
        assertThat(reconcile(70, PERIOD_END, seen, false, T0))
                .isEqualTo(new Reconciliation(Reconciliation.Outcome.REPAIRED, 100, 170));
    }

    @Test
    void reconcileCountsOnlyPendingSpendOfTheLedgerPeriod() {
        long firstEnd = T0 + 10_000;
        seed(0, firstEnd);
        settle(admit(new CustomerLimits(-1, -1, -1, firstEnd), T0, 0, 0), 0, 0, 10, 0, "m");
        settle(admit(new CustomerLimits(-1, -1, -1, PERIOD_END), firstEnd, 0, 0), 0, 0, 20, 0, "m");

        Reconciliation r = reconcile(5, PERIOD_END, flushState(), false, firstEnd);

        assertThat(r).isEqualTo(new Reconciliation(Reconciliation.Outcome.REPAIRED, 20, 25));
    }

    @Test
    void reconcileLeavesAnAccountOfAnotherOrEndingPeriodAlone() {
        seed(100, PERIOD_END);

        assertThat(reconcile(0, PERIOD_END + 1, flushState(), false, T0))
                .isEqualTo(new Reconciliation(Reconciliation.Outcome.OTHER_PERIOD, 100, 100));
        assertThat(reconcile(0, PERIOD_END, flushState(), false, PERIOD_END - 1_000)
                        .outcome())
                .isEqualTo(Reconciliation.Outcome.OTHER_PERIOD);
        assertThat(snapshot().spentNanos()).isEqualTo(100);
    }

    // ---- budget --------------------------------------------------------------------------

    @Test
    void budgetRefusesAtSpentPlusReservedAndRefusalsIncrementNothing() {
        CustomerLimits l = limits(1_000, 10, 10_000);
        seed(400, PERIOD_END);
        AdmitDecision a = admit(l, T0, 300, 50);
        AdmitDecision b = admit(l, T0, 300, 50);
        assertThat(a.outcome()).isEqualTo(Outcome.ADMITTED);
        assertThat(b.outcome()).isEqualTo(Outcome.ADMITTED);
        assertThat(b.reservedNanos()).as("reserved before this call").isEqualTo(300);

        // 400 + 600 = 1000 >= 1000: refused, exactly at the boundary.
        AdmitDecision refused = admit(l, T0, 1, 50);
        assertThat(refused.outcome()).isEqualTo(Outcome.BUDGET_EXCEEDED);
        assertThat(refused.admitted()).isFalse();
        assertThat(refused.spentNanos()).isEqualTo(400);
        assertThat(refused.reservedNanos()).isEqualTo(600);
        assertThat(refused.remainingRequests()).isEqualTo(8);
        assertThat(refused.remainingTokens()).isEqualTo(9_900);
        assertThat(refused.windowResetMs()).isEqualTo(T0 + 60_000);
        assertThat(snapshot()).isEqualTo(new AccountSnapshot(true, 400, 600, PERIOD_END));

        // Release one reservation at a lower cost: the next call fits and sees only 2 counted before it.
        settle(a, 300, 50, 299, 50, "m");
        AdmitDecision c = admit(l, T0, 1, 50);
        assertThat(c.outcome()).isEqualTo(Outcome.ADMITTED);
        assertThat(c.remainingRequests()).isEqualTo(7);
        assertThat(c.remainingTokens()).isEqualTo(10_000 - 150);
    }

    @Test
    void zeroBudgetRefusesTheFirstCall() {
        seed(0, PERIOD_END);
        AdmitDecision d = admit(limits(0, -1, -1), T0, 1, 1);
        assertThat(d.outcome()).isEqualTo(Outcome.BUDGET_EXCEEDED);
        assertThat(snapshot().reservedNanos()).isZero();
    }

    @Test
    void unlimitedNeverRefuses() {
        seed(Long.MAX_VALUE / 4, 0);
        for (int i = 0; i < 100; i++) {
            AdmitDecision d = admit(CustomerLimits.UNLIMITED, T0, 1_000_000_000L, 100_000);
            assertThat(d.outcome()).isEqualTo(Outcome.ADMITTED);
            assertThat(d.remainingRequests()).isEqualTo(-1);
            assertThat(d.remainingTokens()).isEqualTo(-1);
        }
        assertThat(snapshot().reservedNanos()).isEqualTo(100 * 1_000_000_000L);
    }

    // ---- RPM / TPM -----------------------------------------------------------------------

    @Test
    void rpmIsExactPerFixedMinuteWindow() {
        CustomerLimits l = limits(-1, 2, -1);
        seed(0, PERIOD_END);
        AdmitDecision first = admit(l, T0 + 1_000, 0, 0);
        AdmitDecision second = admit(l, T0 + 30_000, 0, 0);
        AdmitDecision third = admit(l, T0 + 59_999, 0, 0);

        assertThat(first.outcome()).isEqualTo(Outcome.ADMITTED);
        assertThat(first.remainingRequests()).isEqualTo(1);
        assertThat(first.windowStartMs()).isEqualTo(T0);
        assertThat(second.outcome()).isEqualTo(Outcome.ADMITTED);
        assertThat(second.remainingRequests()).isZero();
        assertThat(third.outcome()).isEqualTo(Outcome.RPM_EXCEEDED);
        assertThat(third.remainingRequests()).isZero();
        assertThat(third.windowResetMs()).isEqualTo(T0 + 60_000);

        AdmitDecision nextMinute = admit(l, T0 + 60_000, 0, 0);
        assertThat(nextMinute.outcome()).isEqualTo(Outcome.ADMITTED);
        assertThat(nextMinute.windowStartMs()).isEqualTo(T0 + 60_000);
        assertThat(nextMinute.windowResetMs()).isEqualTo(T0 + 120_000);
        assertThat(nextMinute.remainingRequests()).isEqualTo(1);
    }

    @Test
    void tpmCountsReservationsAndSettleCorrectsThem() {
        CustomerLimits l = limits(-1, -1, 1_000);
        seed(0, PERIOD_END);
        AdmitDecision a = admit(l, T0, 0, 600);
        AdmitDecision b = admit(l, T0, 0, 600); // 600 < 1000: admitted, window now 1200
        AdmitDecision refused = admit(l, T0, 0, 1);

        assertThat(a.remainingTokens()).isEqualTo(400);
        assertThat(b.outcome()).isEqualTo(Outcome.ADMITTED);
        assertThat(b.remainingTokens()).isZero();
        assertThat(refused.outcome()).isEqualTo(Outcome.TPM_EXCEEDED);
        assertThat(refused.remainingTokens()).isZero();
        assertThat(refused.remainingRequests()).isEqualTo(-1);

        // Each call used 100 real tokens: the window drops from 1200 to 200.
        settle(a, 0, 600, 0, 100, "m");
        settle(b, 0, 600, 0, 100, "m");
        AdmitDecision c = admit(l, T0, 0, 100);
        assertThat(c.outcome()).isEqualTo(Outcome.ADMITTED);
        assertThat(c.remainingTokens()).isEqualTo(700);
    }

    @Test
    void settleNeverDrivesWindowTokensBelowZero() {
        CustomerLimits l = limits(-1, -1, 1_000);
        seed(0, PERIOD_END);
        AdmitDecision a = admit(l, T0, 0, 10);
        settle(a, 0, 5_000, 0, 0, "m");
        AdmitDecision b = admit(l, T0, 0, 0);
        assertThat(b.remainingTokens()).isEqualTo(1_000);
    }

    // ---- periods -------------------------------------------------------------------------

    @Test
    void periodRolloverResetsSpentButKeepsReserved() {
        long firstEnd = T0 + 10_000;
        long secondEnd = T0 + 20_000;
        seed(500, firstEnd);
        admit(new CustomerLimits(10_000, -1, -1, firstEnd), T0, 100, 0);

        AdmitDecision d = admit(new CustomerLimits(10_000, -1, -1, secondEnd), firstEnd, 100, 0);

        assertThat(d.outcome()).isEqualTo(Outcome.ADMITTED);
        assertThat(d.spentNanos()).isZero();
        assertThat(d.reservedNanos()).isEqualTo(100);
        assertThat(snapshot()).isEqualTo(new AccountSnapshot(true, 0, 200, secondEnd));
    }

    @Test
    void refusedCallStillAppliesTheLazyPeriodReset() {
        long firstEnd = T0 + 10_000;
        seed(500, firstEnd);
        AdmitDecision d = admit(new CustomerLimits(0, -1, -1, PERIOD_END), firstEnd + 1, 1, 0);
        assertThat(d.outcome()).isEqualTo(Outcome.BUDGET_EXCEEDED);
        assertThat(snapshot()).isEqualTo(new AccountSnapshot(true, 0, 0, PERIOD_END));
    }

    @Test
    void neverResettingPeriodKeepsSpend() {
        seed(500, 0);
        AdmitDecision d = admit(new CustomerLimits(10_000, -1, -1, 0), T0 + 365L * 86_400_000L, 1, 0);
        assertThat(d.spentNanos()).isEqualTo(500);
    }

    @Test
    void resetSpendStartsANewPeriodAndKeepsReservedAndPending() {
        seed(500, PERIOD_END);
        AdmitDecision a = admit(limits(10_000, -1, -1), T0, 100, 0);
        settle(a, 0, 0, 40, 0, "m");

        await(store.resetSpend(customer, PERIOD_END + 1));

        assertThat(snapshot()).isEqualTo(new AccountSnapshot(true, 0, 100, PERIOD_END + 1));
        assertThat(await(store.pendingNanos(customer))).isEqualTo(40);
    }

    @Test
    void resetSpendOfAnUnknownCustomerCreatesNothing() {
        await(store.resetSpend(customer, PERIOD_END));
        assertThat(snapshot()).isEqualTo(AccountSnapshot.ABSENT);
    }

    // ---- settle --------------------------------------------------------------------------

    @Test
    void settleAddsCostAndReleasesReservation() {
        seed(1_000, PERIOD_END);
        AdmitDecision a = admit(limits(100_000, -1, -1), T0, 5_000, 0);
        SettleResult r = settle(a, 5_000, 0, 3_210, 0, "m");
        assertThat(r).isEqualTo(new SettleResult(4_210, PERIOD_END));
        assertThat(snapshot()).isEqualTo(new AccountSnapshot(true, 4_210, 0, PERIOD_END));

        // A reservation released twice (or larger than held) floors at zero.
        settle(a, 5_000, 0, 0, 0, "m");
        assertThat(snapshot().reservedNanos()).isZero();
    }

    @Test
    void budgetHoldsUnderConcurrency() throws Exception {
        long cost = 1_234_567;
        long max = 20 * cost;
        CustomerLimits l = limits(max, -1, -1);
        seed(0, PERIOD_END);
        int threads = 50;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Boolean>> results = new ArrayList<>();
        try {
            for (int i = 0; i < threads; i++) {
                results.add(pool.submit(() -> {
                    start.await();
                    AdmitDecision d = await(store.admit(new AdmitRequest(customer, l, T0, cost, 10)));
                    if (!d.admitted()) {
                        return false;
                    }
                    await(store.settle(SettleRequest.builder()
                            .customerId(customer)
                            .reserveNanos(cost)
                            .reserveTokens(10)
                            .windowStartMs(d.windowStartMs())
                            .costNanos(cost)
                            .rateTokens(10)
                            .day(DAY)
                            .model("m")
                            .promptTokens(5)
                            .completionTokens(5)
                            .success(true)
                            .build()));
                    return true;
                }));
            }
            start.countDown();
            int admitted = 0;
            for (Future<Boolean> f : results) {
                admitted += f.get(30, TimeUnit.SECONDS) ? 1 : 0;
            }
            AccountSnapshot s = snapshot();
            // Reservation equals cost, so admission stops exactly at the budget.
            assertThat(admitted).isEqualTo(20);
            assertThat(s.spentNanos()).isEqualTo(admitted * cost).isLessThanOrEqualTo(max + cost);
            assertThat(s.reservedNanos()).isZero();
            assertThat(await(store.pendingNanos(customer))).isEqualTo(admitted * cost);
        } finally {
            pool.shutdownNow();
        }
    }

    // ---- reservation expiry -----------------------------------------------------------------

    @Test
    void aReservationNeverSettledStopsCountingAfterTheTtl() {
        CustomerLimits l = limits(1_000, -1, -1);
        seed(0, PERIOD_END);
        // Admitted in the first millisecond of minute T0 and never settled (its instance died).
        assertThat(admitTtl(l, T0, 1_000, 0, TTL).outcome()).isEqualTo(Outcome.ADMITTED);

        // Its minute ends at T0 + 60 s; it counts until TTL after that.
        AdmitDecision held = admitTtl(l, T0 + 60_000 + TTL - 1, 1, 0, TTL);
        assertThat(held.outcome()).isEqualTo(Outcome.BUDGET_EXCEEDED);
        assertThat(held.reservedNanos()).isEqualTo(1_000);

        AdmitDecision freed = admitTtl(l, T0 + 60_000 + TTL, 300, 0, TTL);
        assertThat(freed.outcome()).isEqualTo(Outcome.ADMITTED);
        assertThat(freed.reservedNanos()).as("reserved before this call").isZero();
        assertThat(freed.spentNanos()).isZero();
        assertThat(snapshot()).isEqualTo(new AccountSnapshot(true, 0, 300, PERIOD_END));
    }

    @Test
    void aReservationCountsForAtLeastTheTtlAfterItsAdmission() {
        CustomerLimits l = limits(1_000, -1, -1);
        seed(0, PERIOD_END);
        // Admitted in the last millisecond of minute T0.
        assertThat(admitTtl(l, T0 + 59_999, 1_000, 0, TTL).outcome()).isEqualTo(Outcome.ADMITTED);

        assertThat(admitTtl(l, T0 + 59_999 + TTL, 1, 0, TTL).outcome()).isEqualTo(Outcome.BUDGET_EXCEEDED);
        assertThat(admitTtl(l, T0 + 60_000 + TTL, 1, 0, TTL).outcome()).isEqualTo(Outcome.ADMITTED);
    }

    @Test
    void reservationsExpirePerAdmissionMinute() {
        CustomerLimits l = limits(1_000_000, -1, -1);
        seed(0, PERIOD_END);
        admitTtl(l, T0, 100, 0, TTL);
        admitTtl(l, T0 + 30_000, 20, 0, TTL);
        admitTtl(l, T0 + 60_000, 3_000, 0, TTL);

        // Minute T0 expired, minute T0 + 60 s not yet.
        AdmitDecision d = admitTtl(l, T0 + 60_000 + TTL, 0, 0, TTL);
        assertThat(d.reservedNanos()).isEqualTo(3_000);
        AdmitDecision later = admitTtl(l, T0 + 120_000 + TTL, 0, 0, TTL);
        assertThat(later.reservedNanos()).isZero();
        assertThat(snapshot().reservedNanos()).isZero();
    }

    @Test
    void aSettleAfterItsReservationExpiredReleasesNothingAndNeverGoesNegative() {
        CustomerLimits l = limits(1_000_000, -1, -1);
        seed(0, PERIOD_END);
        AdmitDecision late = admitTtl(l, T0, 100, 0, TTL);
        AdmitDecision alsoLate = admitTtl(l, T0, 50, 0, TTL);
        // Another call, admitted after the first ones' minute expired, holds 300.
        AdmitDecision live = admitTtl(l, T0 + 60_000 + TTL, 300, 0, TTL);
        assertThat(live.reservedNanos()).isZero();

        // The expired call's settle finally arrives: its cost counts, it releases nothing of the live call.
        settle(late, 100, 0, 40, 0, "m");
        assertThat(snapshot()).isEqualTo(new AccountSnapshot(true, 40, 300, PERIOD_END));

        settle(live, 300, 0, 250, 0, "m");
        assertThat(snapshot()).isEqualTo(new AccountSnapshot(true, 290, 0, PERIOD_END));

        // Nothing held any more: a second late settle leaves reserved at zero, not below.
        settle(alsoLate, 50, 0, 10, 0, "m");
        assertThat(snapshot()).isEqualTo(new AccountSnapshot(true, 300, 0, PERIOD_END));
        assertThat(admitTtl(l, T0 + 60_000 + TTL, 7, 0, TTL).reservedNanos()).isZero();
        assertThat(await(store.pendingNanos(customer))).isEqualTo(300);
    }

    @Test
    void aReservationOfAnEarlierMinuteAdmittedLaterStillExpires() {
        CustomerLimits l = limits(1_000_000, -1, -1);
        seed(0, PERIOD_END);
        // An instance whose clock is a minute behind admits into minute T0 after minute T0 + 60 s.
        admitTtl(l, T0 + 60_000, 3_000, 0, TTL);
        admitTtl(l, T0, 100, 0, TTL);

        assertThat(admitTtl(l, T0 + 60_000 + TTL - 1, 0, 0, TTL).reservedNanos())
                .isEqualTo(3_100);
        assertThat(admitTtl(l, T0 + 60_000 + TTL, 0, 0, TTL).reservedNanos()).isEqualTo(3_000);
        assertThat(admitTtl(l, T0 + 120_000 + TTL, 0, 0, TTL).reservedNanos()).isZero();
    }

    @Test
    void reservationsAdmittedAfterEarlierOnesWereSettledStillExpire() {
        CustomerLimits l = limits(1_000_000, -1, -1);
        seed(0, PERIOD_END);
        AdmitDecision a = admitTtl(l, T0, 100, 0, TTL);
        settle(a, 100, 0, 40, 0, "m");
        admitTtl(l, T0 + 120_000, 70, 0, TTL); // never settled

        assertThat(admitTtl(l, T0 + 60_000 + TTL, 0, 0, TTL).reservedNanos()).isEqualTo(70);
        assertThat(admitTtl(l, T0 + 180_000 + TTL - 1, 0, 0, TTL).reservedNanos())
                .isEqualTo(70);
        assertThat(admitTtl(l, T0 + 180_000 + TTL, 0, 0, TTL).reservedNanos()).isZero();
        assertThat(snapshot()).isEqualTo(new AccountSnapshot(true, 40, 0, PERIOD_END));
    }

    @Test
    void aSettleReleasesOnlyFromItsOwnAdmissionMinute() {
        CustomerLimits l = limits(1_000_000, -1, -1);
        seed(0, PERIOD_END);
        AdmitDecision a = admitTtl(l, T0, 100, 0, TTL);
        admitTtl(l, T0 + 60_000, 300, 0, TTL);

        // A settle claiming more than its minute holds (a bug, or a replay without id) releases only that minute.
        settle(a, 500, 0, 0, 0, "m");

        assertThat(snapshot().reservedNanos()).isEqualTo(300);
    }

    @Test
    void tokenReservationsLeaveWithTheirWindow() {
        CustomerLimits l = limits(-1, -1, 1_000);
        seed(0, PERIOD_END);
        assertThat(admitTtl(l, T0, 0, 1_000, TTL).outcome()).isEqualTo(Outcome.ADMITTED);
        assertThat(admitTtl(l, T0 + 59_999, 0, 1, TTL).outcome()).isEqualTo(Outcome.TPM_EXCEEDED);

        AdmitDecision next = admitTtl(l, T0 + 60_000, 0, 1, TTL);
        assertThat(next.outcome()).isEqualTo(Outcome.ADMITTED);
        assertThat(next.remainingTokens()).isEqualTo(999);
    }

    @Test
    void budgetHoldsUnderConcurrencyAcrossAdmissionMinutes() throws Exception {
        long cost = 1_000_003;
        long max = 30 * cost;
        CustomerLimits l = limits(max, -1, -1);
        seed(0, PERIOD_END);
        int calls = 60;
        ExecutorService pool = Executors.newFixedThreadPool(16);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Boolean>> results = new ArrayList<>();
        try {
            for (int i = 0; i < calls; i++) {
                long now = T0 + (i % 3) * 60_000L + i; // three admission minutes, all within the TTL
                results.add(pool.submit(() -> {
                    start.await();
                    AdmitDecision d = await(store.admit(new AdmitRequest(customer, l, now, cost, 0, TTL)));
                    if (!d.admitted()) {
                        return false;
                    }
                    await(store.settle(SettleRequest.builder()
                            .customerId(customer)
                            .reserveNanos(cost)
                            .reserveTokens(0)
                            .windowStartMs(d.windowStartMs())
                            .costNanos(cost)
                            .rateTokens(0)
                            .day(DAY)
                            .model("m")
                            .promptTokens(0)
                            .completionTokens(0)
                            .success(true)
                            .build()));
                    return true;
                }));
            }
            start.countDown();
            int admitted = 0;
            for (Future<Boolean> f : results) {
                admitted += f.get(30, TimeUnit.SECONDS) ? 1 : 0;
            }
            assertThat(admitted).isEqualTo(30);
            assertThat(snapshot()).isEqualTo(new AccountSnapshot(true, max, 0, PERIOD_END));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aPersistedReplayOfAFailedCallWithZeroUsageTakesItsQueuedSpendBack() {
        seed(0, PERIOD_END);
        AdmitDecision d = admit(limits(1_000, -1, -1), T0, 100, 10);
        SettleRequest failed = SettleRequest.builder()
                .customerId(customer)
                .reserveNanos(100)
                .reserveTokens(10)
                .windowStartMs(d.windowStartMs())
                .costNanos(0)
                .rateTokens(0)
                .day(DAY)
                .model("m")
                .promptTokens(0)
                .completionTokens(0)
                .success(false)
                .settleId("sid-zero")
                .build();
        assertThat(await(store.settle(failed)).applied()).isTrue();

        assertThat(await(store.settle(failed.asPersisted())).applied()).isFalse();

        PendingBatch b = await(store.claimPending(customer));
        assertThat(b.daily()).singleElement().satisfies(u -> {
            assertThat(u.requests()).isZero();
            assertThat(u.successfulRequests()).isZero();
            assertThat(u.spendNanos()).isZero();
        });
        assertThat(snapshot()).isEqualTo(new AccountSnapshot(true, 0, 0, PERIOD_END));
    }

    // ---- pending batches -----------------------------------------------------------------

    @Test
    void claimReturnsTheSameBatchUntilAcknowledged() {
        seed(0, PERIOD_END);
        CustomerLimits l = limits(-1, -1, -1);
        AdmitDecision a = admit(l, T0, 0, 0);
        settle(a, 0, 0, 100, 30, "gpt-4o");
        settle(a, 0, 0, 200, 40, "vendor|model:x"); // a model name with the separator in it
        await(store.settle(SettleRequest.builder()
                .customerId(customer)
                .reserveNanos(0)
                .reserveTokens(0)
                .windowStartMs(a.windowStartMs())
                .costNanos(5)
                .rateTokens(0)
                .day(DAY)
                .model("gpt-4o")
                .promptTokens(0)
                .completionTokens(0)
                .success(false)
                .build()));

        PendingBatch first = await(store.claimPending(customer));
        assertThat(first.batchId()).isNotNull();
        assertThat(first.customerId()).isEqualTo(customer);
        assertThat(first.spendByPeriod()).containsExactly(new PendingBatch.PeriodSpend(PERIOD_END, 305));
        assertThat(first.daily())
                .containsExactlyInAnyOrder(
                        new PendingBatch.DailyUsage(DAY, "gpt-4o", 2, 1, 15, 15, 105),
                        new PendingBatch.DailyUsage(DAY, "vendor|model:x", 1, 1, 20, 20, 200));

        assertThat(await(store.claimPending(customer))).isEqualTo(first);
        await(store.ackPending(customer, "not-" + first.batchId()));
        assertThat(await(store.claimPending(customer))).isEqualTo(first);

        // Spend settled after the claim goes into a new pending batch.
        settle(a, 0, 0, 50, 0, "gpt-4o");
        assertThat(await(store.pendingNanos(customer))).isEqualTo(355);
        assertThat(await(store.claimPending(customer))).isEqualTo(first);

        await(store.ackPending(customer, first.batchId()));
        assertThat(await(store.pendingNanos(customer))).isEqualTo(50);
        PendingBatch second = await(store.claimPending(customer));
        assertThat(second.batchId()).isNotNull().isNotEqualTo(first.batchId());
        assertThat(second.spendByPeriod()).containsExactly(new PendingBatch.PeriodSpend(PERIOD_END, 50));

        await(store.ackPending(customer, second.batchId()));
        PendingBatch empty = await(store.claimPending(customer));
        assertThat(empty.batchId()).isNull();
        assertThat(empty.isEmpty()).isTrue();
        assertThat(await(store.pendingNanos(customer))).isZero();
    }

    @Test
    void pendingSpendIsKeptPerPeriod() {
        long firstEnd = T0 + 10_000;
        seed(0, firstEnd);
        AdmitDecision a = admit(new CustomerLimits(-1, -1, -1, firstEnd), T0, 0, 0);
        settle(a, 0, 0, 10, 0, "m");
        AdmitDecision b = admit(new CustomerLimits(-1, -1, -1, PERIOD_END), firstEnd, 0, 0);
        settle(b, 0, 0, 20, 0, "m");

        PendingBatch batch = await(store.claimPending(customer));

        assertThat(batch.spendByPeriod())
                .containsExactly(
                        new PendingBatch.PeriodSpend(firstEnd, 10), new PendingBatch.PeriodSpend(PERIOD_END, 20));
        assertThat(await(store.pendingNanos(customer))).isEqualTo(30);
    }

    @Test
    void settleMarksDirtyAndAnEmptyClaimClearsTheMark() {
        seed(0, PERIOD_END);
        assertThat(await(store.dirtyCustomers(100))).doesNotContain(customer);
        AdmitDecision a = admit(limits(-1, -1, -1), T0, 0, 0);
        settle(a, 0, 0, 10, 0, "m");
        assertThat(await(store.dirtyCustomers(100))).contains(customer);

        PendingBatch batch = await(store.claimPending(customer));
        assertThat(await(store.dirtyCustomers(100)))
                .as("a claimed batch is still unpersisted")
                .contains(customer);
        await(store.ackPending(customer, batch.batchId()));
        await(store.claimPending(customer));

        assertThat(await(store.dirtyCustomers(100))).doesNotContain(customer);
        assertThat(await(store.dirtyCustomers(0))).isEmpty();
    }

    @Test
    void everySettleThatStartsNewPendingSpendMarksTheCustomerAgain() {
        seed(0, PERIOD_END);
        CustomerLimits l = limits(-1, -1, -1);
        settle(admit(l, T0, 0, 0), 0, 0, 10, 0, "m");
        PendingBatch first = await(store.claimPending(customer));
        settle(admit(l, T0, 0, 0), 0, 0, 20, 0, "m"); // pending again beside the claimed batch
        await(store.ackPending(customer, first.batchId()));
        PendingBatch second = await(store.claimPending(customer));
        assertThat(second.spendByPeriod()).containsExactly(new PendingBatch.PeriodSpend(PERIOD_END, 20));
        await(store.ackPending(customer, second.batchId()));
        assertThat(await(store.claimPending(customer)).batchId()).isNull();
        assertThat(await(store.dirtyCustomers(100))).doesNotContain(customer);

        settle(admit(l, T0, 0, 0), 0, 0, 5, 0, "m");
        settle(admit(l, T0, 0, 0), 0, 0, 6, 0, "m");
        assertThat(await(store.dirtyCustomers(100))).contains(customer);
        PendingBatch third = await(store.claimPending(customer));
        assertThat(third.spendByPeriod()).containsExactly(new PendingBatch.PeriodSpend(PERIOD_END, 11));
        assertThat(third.daily()).singleElement().satisfies(d -> {
            assertThat(d.requests()).isEqualTo(2);
            assertThat(d.successfulRequests()).isEqualTo(2);
        });
    }

    // ---- leased quota ------------------------------------------------------------------------

    private LeasedAdmission admitLease(CustomerLimits l, long now, long reserve, long tokens, Lease ask) {
        return await(store.admitAndLease(new AdmitRequest(customer, l, now, reserve, tokens, TTL), ask));
    }

    @Test
    void farFromItsLimitsACustomerGetsTheSliceItAsksForAndEveryoneCountsIt() {
        seed(0, PERIOD_END);
        CustomerLimits l = limits(1_000_000_000, 100_000, 10_000_000);
        LeasedAdmission a = admitLease(l, T0, 100, 10, new Lease(5_000, 50, 2_000));

        assertThat(a.decision().outcome()).isEqualTo(Outcome.ADMITTED);
        assertThat(a.granted()).isEqualTo(new Lease(5_000, 50, 2_000));
        // The slice is held like a reservation and counted in the window, for every instance.
        assertThat(snapshot().reservedNanos()).isEqualTo(5_100);
        AdmitDecision next = admit(l, T0, 0, 0);
        assertThat(next.remainingRequests()).isEqualTo(100_000 - 52);
        assertThat(next.windowTokens()).isEqualTo(2_010);
    }

    @Test
    void nearALimitTheSliceShrinksToASixteenthOfWhatIsFreeAndThenToNothing() {
        seed(0, PERIOD_END);
        // 1,000 requests: after the call 999 are free, a slice holds at most 999 / 16 = 62.
        LeasedAdmission a = admitLease(limits(-1, 1_000, -1), T0, 0, 0, new Lease(0, 500, 0));
        assertThat(a.granted()).isEqualTo(new Lease(0, 62, 0));
        // Budget: 10,000 free minus this call's 100 leaves 9,900; a sixteenth is 618.
        LeasedAdmission b = admitLease(limits(10_000, -1, -1), T0, 100, 0, new Lease(5_000, 10, 0));
        assertThat(b.granted()).isEqualTo(new Lease(618, 10, 0));
        // Less than twice the call's reservation would fit: no slice at all, admission per call.
        LeasedAdmission c = admitLease(limits(2_000, -1, -1), T0, 100, 0, new Lease(5_000, 10, 0));
        assertThat(c.decision().outcome()).isEqualTo(Outcome.ADMITTED);
        assertThat(c.granted()).isEqualTo(Lease.NONE);
    }

    @Test
    void smallLimitsNeverLeaseSoThirtyOfFortyFiveAreAdmittedExactly() {
        seed(0, PERIOD_END);
        CustomerLimits l = limits(-1, 30, -1);
        int admitted = 0;
        for (int i = 0; i < 45; i++) {
            LeasedAdmission a = admitLease(l, T0 + i, 0, 0, new Lease(0, 10, 0));
            assertThat(a.granted()).isEqualTo(Lease.NONE);
            if (a.decision().outcome() == Outcome.ADMITTED) {
                admitted++;
            }
        }
        assertThat(admitted).isEqualTo(30);
    }

    @Test
    void aRefusedCallTakesNoSlice() {
        seed(990, PERIOD_END);
        LeasedAdmission a = admitLease(limits(1_000, -1, -1), T0, 5, 0, new Lease(100, 10, 0));
        assertThat(a.granted()).isEqualTo(Lease.NONE); // 5 left after the call: nothing to share
        assertThat(snapshot().reservedNanos()).isEqualTo(5);
        LeasedAdmission refused = admitLease(limits(995, -1, -1), T0, 5, 0, new Lease(100, 10, 0));
        assertThat(refused.decision().outcome()).isEqualTo(Outcome.BUDGET_EXCEEDED);
        assertThat(refused.granted()).isEqualTo(Lease.NONE);
        assertThat(snapshot().reservedNanos()).isEqualTo(5);
    }

    @Test
    void aReturnedSliceGivesItsUnusedPartBackAndNeverMore() {
        seed(0, PERIOD_END);
        CustomerLimits l = limits(1_000_000, 1_000, 100_000);
        LeasedAdmission a = admitLease(l, T0, 100, 10, new Lease(10_000, 10, 500));
        assertThat(a.granted()).isEqualTo(new Lease(10_000, 10, 500));
        AdmitDecision other = admit(l, T0 + 60_000, 300, 0); // another minute's reservation
        // Calls admitted locally against the slice settle like any call of that minute.
        settle(a.decision(), 100, 10, 40, 10, "m");
        settle(a.decision(), 2_000, 0, 1_500, 0, "m");

        await(store.returnLease(customer, a.decision().windowStartMs(), new Lease(8_000, 8, 400)));
        assertThat(snapshot()).isEqualTo(new AccountSnapshot(true, 1_540, 300, PERIOD_END));
        AdmitDecision after = admit(l, T0, 0, 0);
        assertThat(after.remainingRequests())
                .as("the call, its slice's 2 used requests, this one")
                .isEqualTo(1_000 - 4);
        assertThat(after.windowTokens()).isEqualTo(110);
        // Returning again (a retry) finds no budget left in that minute and no count below zero.
        await(store.returnLease(customer, a.decision().windowStartMs(), new Lease(8_000, 8_000, 400_000)));
        assertThat(snapshot().reservedNanos()).isEqualTo(300);
        assertThat(admit(l, T0, 0, 0).remainingRequests()).isEqualTo(1_000 - 1);
        assertThat(other.outcome()).isEqualTo(Outcome.ADMITTED);
    }

    @Test
    void aSliceNeverReturnedExpiresWithItsMinutesReservations() {
        seed(0, PERIOD_END);
        CustomerLimits l = limits(20_000, -1, -1);
        LeasedAdmission a = admitLease(l, T0, 100, 0, new Lease(1_000, 10, 0));
        assertThat(a.granted().budgetNanos()).isEqualTo(1_000);
        // The instance holding it dies: the slice keeps holding budget until the minute expires.
        assertThat(admitTtl(l, T0 + 60_000 + TTL - 1, 0, 0, TTL).reservedNanos())
                .isEqualTo(1_100);
        assertThat(admitTtl(l, T0 + 60_000 + TTL, 0, 0, TTL).reservedNanos()).isZero();
    }

    // ---- folded settles (SettleBatcher) -------------------------------------------------------

    @Test
    void aFoldedSettleCountsLikeTheSettlesItStandsFor() {
        String one = customer;
        String folded = customer + "-folded";
        CustomerLimits l = limits(1_000_000, 100, 10_000);
        long[][] calls = {{100, 50, 40, 30}, {200, 50, 150, 70}, {100, 50, 0, 0}}; // reserve, tokens, cost, rate
        boolean[] ok = {true, true, false};
        AdmitDecision last = null;
        for (String id : List.of(one, folded)) {
            await(store.seed(id, 0, PERIOD_END));
            for (long[] c : calls) {
                last = await(store.admit(new AdmitRequest(id, l, T0, c[0], c[1])));
            }
        }
        for (int i = 0; i < calls.length; i++) {
            long[] c = calls[i];
            await(store.settle(settleOf(one, last, c, ok[i]).build()));
        }
        SettleResult r = await(store.settle(SettleRequest.builder()
                .customerId(folded)
                .windowStartMs(last.windowStartMs())
                .day(DAY)
                .model("m")
                .reserveNanos(400)
                .reserveTokens(150)
                .costNanos(190)
                .rateTokens(100)
                .promptTokens(50)
                .completionTokens(50)
                .requests(3)
                .successfulRequests(2)
                .success(true)
                .settleId("batch-1")
                .build()));
        assertThat(r.spentNanos()).isEqualTo(190);

        AccountSnapshot expected = new AccountSnapshot(true, 190, 0, PERIOD_END);
        assertThat(await(store.snapshot(one))).isEqualTo(expected);
        assertThat(await(store.snapshot(folded))).isEqualTo(expected);
        AdmitDecision a = await(store.admit(new AdmitRequest(one, l, T0, 0, 0)));
        AdmitDecision b = await(store.admit(new AdmitRequest(folded, l, T0, 0, 0)));
        assertThat(b.windowTokens()).isEqualTo(a.windowTokens()).isEqualTo(100);
        assertThat(b.remainingRequests()).isEqualTo(a.remainingRequests()).isEqualTo(96);
        PendingBatch pa = await(store.claimPending(one));
        PendingBatch pb = await(store.claimPending(folded));
        assertThat(pb.spendByPeriod()).isEqualTo(pa.spendByPeriod());
        assertThat(pb.daily()).isEqualTo(pa.daily());
        assertThat(pb.daily()).containsExactly(new PendingBatch.DailyUsage(DAY, "m", 3, 2, 50, 50, 190));
    }

    @Test
    void aFoldedSettleSentTwiceWithItsBatchIdCountsOnce() {
        seed(0, PERIOD_END);
        CustomerLimits l = limits(1_000_000, -1, -1);
        admit(l, T0, 100, 0);
        AdmitDecision d = admit(l, T0, 100, 0);
        SettleRequest batch = SettleRequest.builder()
                .customerId(customer)
                .windowStartMs(d.windowStartMs())
                .day(DAY)
                .model("m")
                .reserveNanos(200)
                .costNanos(90)
                .requests(2)
                .successfulRequests(2)
                .success(true)
                .settleId("batch-twice")
                .build();
        await(store.settle(batch));
        await(store.settle(batch));

        assertThat(snapshot()).isEqualTo(new AccountSnapshot(true, 90, 0, PERIOD_END));
        assertThat(await(store.claimPending(customer)).daily())
                .containsExactly(new PendingBatch.DailyUsage(DAY, "m", 2, 2, 0, 0, 90));
    }

    private static SettleRequest.Builder settleOf(String id, AdmitDecision d, long[] c, boolean success) {
        return SettleRequest.builder()
                .customerId(id)
                .windowStartMs(d.windowStartMs())
                .day(DAY)
                .model("m")
                .reserveNanos(c[0])
                .reserveTokens(c[1])
                .costNanos(c[2])
                .rateTokens(c[3])
                .promptTokens(c[3] / 2)
                .completionTokens(c[3] - c[3] / 2)
                .success(success);
    }

    // ---- settle ids (re-sent settles, Redis-outage journal) ----------------------------------

    @Test
    void aSettleSentTwiceWithOneIdCountsOnce() {
        seed(0, PERIOD_END);
        AdmitDecision d = admit(limits(1_000, -1, -1), T0, 100, 10);
        SettleResult first = await(store.settle(settleWithId(d, 100, 30, "sid-1")));
        SettleResult again = await(store.settle(settleWithId(d, 100, 30, "sid-1")));

        assertThat(first.applied()).isTrue();
        assertThat(again.applied()).isFalse();
        assertThat(snapshot()).isEqualTo(new AccountSnapshot(true, 30, 0, PERIOD_END));
        assertThat(await(store.pendingNanos(customer))).isEqualTo(30);
        PendingBatch b = await(store.claimPending(customer));
        assertThat(b.daily())
                .singleElement()
                .satisfies(u -> assertThat(u.requests()).isEqualTo(1));
    }

    @Test
    void aPersistedSettleUpdatesTheCountersButQueuesNothing() {
        seed(0, PERIOD_END);
        AdmitDecision d = admit(limits(1_000, -1, -1), T0, 100, 10);
        SettleResult r = await(store.settle(settleWithId(d, 100, 30, "sid-2").asPersisted()));

        assertThat(r.applied()).isTrue();
        assertThat(snapshot()).isEqualTo(new AccountSnapshot(true, 30, 0, PERIOD_END));
        assertThat(await(store.pendingNanos(customer))).isZero();
        // The original arriving late (a timed-out command executed after all) counts nothing.
        assertThat(await(store.settle(settleWithId(d, 100, 30, "sid-2"))).applied())
                .isFalse();
        assertThat(await(store.pendingNanos(customer))).isZero();
        assertThat(snapshot().spentNanos()).isEqualTo(30);
    }

    @Test
    void aPersistedReplayOfAnAppliedSettleTakesItsQueuedSpendBackOnce() {
        seed(0, PERIOD_END);
        AdmitDecision d = admit(limits(1_000, -1, -1), T0, 100, 10);
        await(store.settle(settleWithId(d, 100, 30, "sid-3")));
        PendingBatch flushedBefore = await(store.claimPending(customer)); // already on its way to the database
        await(store.ackPending(customer, flushedBefore.batchId()));

        assertThat(await(store.settle(settleWithId(d, 100, 30, "sid-3").asPersisted()))
                        .applied())
                .isFalse();
        assertThat(await(store.settle(settleWithId(d, 100, 30, "sid-3").asPersisted()))
                        .applied())
                .isFalse();

        assertThat(snapshot()).isEqualTo(new AccountSnapshot(true, 30, 0, PERIOD_END));
        PendingBatch compensation = await(store.claimPending(customer));
        assertThat(compensation.spendByPeriod()).containsExactly(new PendingBatch.PeriodSpend(PERIOD_END, -30));
        assertThat(compensation.daily()).singleElement().satisfies(u -> {
            assertThat(u.requests()).isEqualTo(-1);
            assertThat(u.spendNanos()).isEqualTo(-30);
        });
    }
}
