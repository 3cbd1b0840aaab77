package dev.tollgate.admin.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.admin.catalog.JdbcCustomerCatalog;
import dev.tollgate.admin.db.JdbcExecutor;
import dev.tollgate.admin.db.TestDatabases;
import dev.tollgate.admin.spend.SpendRepository;
import dev.tollgate.admin.spend.TestStores;
import dev.tollgate.core.limits.AccountSnapshot;
import dev.tollgate.core.limits.AdmitDecision;
import dev.tollgate.core.limits.AdmitRequest;
import dev.tollgate.core.limits.CustomerLimits;
import dev.tollgate.core.limits.LimitStore;
import dev.tollgate.core.limits.PendingBatch;
import dev.tollgate.core.limits.Reconciliation.Outcome;
import dev.tollgate.core.limits.SettleRequest;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The reconciler against a real database and both limit stores: the seed and the repair set the
 * enforced spend to exactly the ledger plus pending, whatever state the flush is in.
 */
class SpendReconcilerTest {
    private static final long NOW = System.currentTimeMillis();
    private static final String DAY = "2024-05-01";

    /** One settled call of {@code cost}; without an account in the store when none was seeded. */
    private static void settle(LimitStore store, String customer, long cost) {
        AdmitDecision d = new AdmitDecision(AdmitDecision.Outcome.ADMITTED, 0, 0, NOW - NOW % 60_000, 0, -1, -1, 0);
        store.settle(SettleRequest.builder()
                        .customerId(customer)
                        .windowStartMs(d.windowStartMs())
                        .costNanos(cost)
                        .day(DAY)
                        .model("gpt-4o")
                        .promptTokens(1)
                        .completionTokens(1)
                        .success(true)
                        .build())
                .toCompletableFuture()
                .join();
    }

    private static AccountSnapshot account(LimitStore store, String customer) {
        return store.snapshot(customer).toCompletableFuture().join();
    }

    private static <T> T await(java.util.concurrent.CompletionStage<T> s) throws Exception {
        return s.toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @ParameterizedTest
    @CsvSource({"h2, inprocess", "postgres, inprocess", "postgres, redis"})
    void aSeedCountsABatchCommittedButNotYetAcknowledgedOnce(String db, String storeKind) throws Exception {
        try (TestDatabases.Handle h = TestDatabases.create(db);
                TestStores.Handle stores = TestStores.create(storeKind);
                JdbcExecutor jdbc = new JdbcExecutor(2)) {
            LimitStore store = stores.store();
            JdbcCustomerCatalog catalog = new JdbcCustomerCatalog(
                    h.db().dataSource(), jdbc, null, ZoneOffset.UTC, Clock.systemUTC(), Duration.ofSeconds(30));
            SpendRepository repo = new SpendRepository(h.db().dataSource());
            // Spend settled while the store had no account (Redis came back empty), then a flusher
            // claimed and committed it but has not acknowledged it yet; then one more call.
            settle(store, "alice", 70);
            PendingBatch batch = await(store.claimPending("alice"));
            assertThat(repo.applyBatch(batch, NOW)).isTrue();
            settle(store, "alice", 30);

            try (SpendReconciler reconciler =
                    new SpendReconciler(catalog, store, Duration.ofHours(1), Clock.systemUTC())) {
                await(reconciler.seed("alice", NOW));

                // 70 in the ledger, 30 pending: the committed batch is not counted a second time.
                assertThat(account(store, "alice").spentNanos()).isEqualTo(100);
                assertThat(reconciler.accountsCreated()).isEqualTo(1);
                assertThat(reconciler.accountsRecreatedWithSpend()).isEqualTo(1);
                ReconcileReport again = await(reconciler.reconcile("alice"));
                assertThat(again.outcome()).isEqualTo(Outcome.IN_STEP);
                assertThat(again.ledgerNanos()).isEqualTo(70);
                assertThat(again.pendingNanos()).isEqualTo(30);
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"h2, inprocess", "postgres, redis"})
    void aDriftIsRepairedAndCounted(String db, String storeKind) throws Exception {
        try (TestDatabases.Handle h = TestDatabases.create(db);
                TestStores.Handle stores = TestStores.create(storeKind);
                JdbcExecutor jdbc = new JdbcExecutor(2)) {
            LimitStore store = stores.store();
            JdbcCustomerCatalog catalog = new JdbcCustomerCatalog(
                    h.db().dataSource(), jdbc, null, ZoneOffset.UTC, Clock.systemUTC(), Duration.ofSeconds(30));
            SpendRepository repo = new SpendRepository(h.db().dataSource());
            settle(store, "bob", 500);
            PendingBatch batch = await(store.claimPending("bob"));
            repo.applyBatch(batch, NOW);
            await(store.ackPending("bob", batch.batchId()));
            // The store believes 999 (e.g. a replay counted on top of a re-seed), the ledger says 500.
            await(store.seed("bob", 999, 0));
            settle(store, "bob", 1);

            try (SpendReconciler reconciler =
                    new SpendReconciler(catalog, store, Duration.ofHours(1), Clock.systemUTC())) {
                ReconcileReport r = await(reconciler.reconcile("bob"));

                assertThat(r.outcome()).isEqualTo(Outcome.REPAIRED);
                assertThat(r.enforcedBefore()).isEqualTo(1_000);
                assertThat(r.enforcedAfter()).isEqualTo(501);
                assertThat(r.driftNanos()).isEqualTo(499);
                assertThat(account(store, "bob").spentNanos()).isEqualTo(501);
                assertThat(reconciler.customersRepaired()).isEqualTo(1);
                assertThat(reconciler.driftOverNanos()).isEqualTo(499);
                assertThat(reconciler.driftUnderNanos()).isZero();
                assertThat(await(reconciler.reconcile("bob")).outcome()).isEqualTo(Outcome.IN_STEP);
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"h2, inprocess"})
    void aPassReconcilesTheCustomersAdmittedSinceTheLastOne(String db, String storeKind) throws Exception {
        try (TestDatabases.Handle h = TestDatabases.create(db);
                TestStores.Handle stores = TestStores.create(storeKind);
                JdbcExecutor jdbc = new JdbcExecutor(2)) {
            LimitStore store = stores.store();
            JdbcCustomerCatalog catalog = new JdbcCustomerCatalog(
                    h.db().dataSource(), jdbc, null, ZoneOffset.UTC, Clock.systemUTC(), Duration.ofSeconds(30));
            for (String c : new String[] {"carol", "dave"}) {
                store.admit(new AdmitRequest(c, CustomerLimits.UNLIMITED, NOW, 0, 0, 60_000, true))
                        .toCompletableFuture()
                        .join();
            }
            await(store.seed("erin", 0, 0)); // never admitted through the reconciler: not in the pass
            settle(store, "carol", 5);

            try (SpendReconciler reconciler =
                    new SpendReconciler(catalog, store, Duration.ofHours(1), Clock.systemUTC())) {
                reconciler.noteActive("carol");
                reconciler.noteActive("dave");
                reconciler.noteActive("carol");
                assertThat(reconciler.activeCustomers()).isEqualTo(2);

                ReconcilePass first = reconciler.reconcileActive().get(10, TimeUnit.SECONDS);
                assertThat(first.reports())
                        .extracting(ReconcileReport::customerId)
                        .containsExactlyInAnyOrder("carol", "dave");
                assertThat(first.checked()).isEqualTo(2);
                assertThat(first.repaired()).isZero();
                assertThat(first.reports())
                        .filteredOn(r -> r.customerId().equals("carol"))
                        .singleElement()
                        .satisfies(r -> assertThat(r.pendingNanos()).isEqualTo(5));

                assertThat(reconciler
                                .reconcileActive()
                                .get(10, TimeUnit.SECONDS)
                                .reports())
                        .isEmpty();
            }
        }
    }
}
