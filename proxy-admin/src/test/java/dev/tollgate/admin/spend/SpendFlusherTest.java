package dev.tollgate.admin.spend;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.admin.db.TestDatabases;
import dev.tollgate.core.limits.AdmitDecision;
import dev.tollgate.core.limits.AdmitRequest;
import dev.tollgate.core.limits.CustomerLimits;
import dev.tollgate.core.limits.InProcessLimitStore;
import dev.tollgate.core.limits.LimitStore;
import dev.tollgate.core.limits.PendingBatch;
import dev.tollgate.core.limits.SettleRequest;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SpendFlusherTest {
    private static final long NOW = 1_700_000_000_000L;
    private static final String DAY = "2023-11-14";

    /** Admits and settles one call of {@code cost} nano-dollars, as the chat handler does. */
    private static void call(LimitStore store, String customer, long cost) {
        store.seed(customer, 0, 0).toCompletableFuture().join();
        AdmitDecision d = store.admit(new AdmitRequest(customer, CustomerLimits.UNLIMITED, NOW, cost, 10))
                .toCompletableFuture()
                .join();
        assertThat(d.admitted()).isTrue();
        store.settle(SettleRequest.builder()
                        .customerId(customer)
                        .reserveNanos(cost)
                        .reserveTokens(10)
                        .windowStartMs(d.windowStartMs())
                        .costNanos(cost)
                        .rateTokens(10)
                        .day(DAY)
                        .model("gpt-4o")
                        .promptTokens(7)
                        .completionTokens(3)
                        .success(true)
                        .build())
                .toCompletableFuture()
                .join();
    }

    private static int flush(SpendFlusher f) throws Exception {
        return f.flushNow().get(30, TimeUnit.SECONDS);
    }

    @ParameterizedTest
    @CsvSource({"h2, inprocess", "postgres, inprocess", "postgres, redis"})
    void settledSpendReachesTheDatabaseToTheNano(String kind, String storeKind) throws Exception {
        try (TestDatabases.Handle h = TestDatabases.create(kind);
                TestStores.Handle stores = TestStores.create(storeKind)) {
            LimitStore store = stores.store();
            SpendRepository repo = new SpendRepository(h.db().dataSource());
            Map<String, Long> expected = new HashMap<>();
            Random rnd = new Random(7);
            for (int i = 0; i < 300; i++) {
                String customer = "c" + rnd.nextInt(5);
                long cost = 1 + rnd.nextInt(2_000_000);
                call(store, customer, cost);
                expected.merge(customer, cost, Long::sum);
            }
            try (SpendFlusher flusher = new SpendFlusher(store, repo, Duration.ofSeconds(10))) {
                assertThat(flush(flusher)).isEqualTo(expected.size());
                assertThat(flush(flusher)).isZero();
                assertThat(flusher.lastSuccessfulFlushMs()).isPositive();
                assertThat(flusher.pendingBatchesFailed()).isZero();
            }
            for (Map.Entry<String, Long> e : expected.entrySet()) {
                assertThat(repo.persistedSpend(e.getKey())).as(e.getKey()).isEqualTo(e.getValue());
                assertThat(store.pendingNanos(e.getKey()).toCompletableFuture().join())
                        .isZero();
            }
            long calls = SpendTestSql.count(h.db().dataSource(), "SELECT SUM(requests) FROM tg_daily_customer_spend");
            assertThat(calls).isEqualTo(300);
        }
    }

    @ParameterizedTest
    @CsvSource({"h2, inprocess", "postgres, inprocess", "postgres, redis"})
    void aFlusherThatDiedAfterCommitIsRepairedWithoutDoubleCounting(String kind, String storeKind) throws Exception {
        try (TestDatabases.Handle h = TestDatabases.create(kind);
                TestStores.Handle stores = TestStores.create(storeKind)) {
            LimitStore store = stores.store();
            SpendRepository repo = new SpendRepository(h.db().dataSource());
            call(store, "alice", 1_000);
            call(store, "alice", 234);

            // The dying flusher: claims and commits, never acknowledges.
            PendingBatch claimed =
                    store.claimPending("alice").toCompletableFuture().join();
            assertThat(repo.applyBatch(claimed, NOW)).isTrue();
            call(store, "alice", 5); // arrives while the batch is still claimed

            try (SpendFlusher flusher = new SpendFlusher(store, repo, Duration.ofSeconds(10))) {
                // Re-claims the same batch: already applied, so it is only acknowledged.
                assertThat(flush(flusher)).isZero();
                assertThat(repo.persistedSpend("alice")).isEqualTo(1_234);
                // The spend that arrived meanwhile goes in the next batch.
                assertThat(flush(flusher)).isEqualTo(1);
                assertThat(flush(flusher)).isZero();
            }
            assertThat(repo.persistedSpend("alice")).isEqualTo(1_239);
            assertThat(store.pendingNanos("alice").toCompletableFuture().join()).isZero();
        }
    }

    @ParameterizedTest
    @CsvSource({"h2, inprocess", "postgres, inprocess", "postgres, redis"})
    void aDatabaseOutageKeepsTheBatchClaimedAndAppliesItOnceLater(String kind, String storeKind) throws Exception {
        try (TestDatabases.Handle h = TestDatabases.create(kind);
                TestStores.Handle stores = TestStores.create(storeKind)) {
            LimitStore store = stores.store();
            SwitchableDataSource ds = new SwitchableDataSource(h.db().dataSource());
            SpendRepository repo = new SpendRepository(ds);
            call(store, "bob", 777);
            call(store, "carol", 1);

            try (SpendFlusher flusher = new SpendFlusher(store, repo, Duration.ofSeconds(10))) {
                ds.down.set(true);
                assertThat(flush(flusher)).isZero();
                assertThat(flush(flusher)).isZero();
                assertThat(flusher.pendingBatchesFailed()).isEqualTo(4);
                assertThat(flusher.lastSuccessfulFlushMs()).isZero();
                assertThat(store.pendingNanos("bob").toCompletableFuture().join())
                        .isEqualTo(777);
                call(store, "bob", 23); // keeps flowing while the database is down

                ds.down.set(false);
                // First the claimed batch (777), then what settled during the outage (23).
                assertThat(flush(flusher)).isEqualTo(2);
                assertThat(flush(flusher)).isEqualTo(1);
                assertThat(flush(flusher)).isZero();
                assertThat(flusher.lastSuccessfulFlushMs()).isPositive();
            }
            assertThat(repo.persistedSpend("bob")).isEqualTo(800);
            assertThat(repo.persistedSpend("carol")).isEqualTo(1);
            assertThat(SpendTestSql.count(h.db().dataSource(), "SELECT COUNT(*) FROM tg_spend_batch"))
                    .isEqualTo(3);
        }
    }

    @Test
    void closeRunsAFinalPassAndTheScheduleFlushesOnItsOwn() throws Exception {
        try (TestDatabases.Handle h = TestDatabases.create("h2");
                LimitStore store = new InProcessLimitStore()) {
            SpendRepository repo = new SpendRepository(h.db().dataSource());
            SpendFlusher flusher = new SpendFlusher(store, repo, Duration.ofMillis(20));
            flusher.start();
            call(store, "dan", 11);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (repo.persistedSpend("dan") != 11 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(repo.persistedSpend("dan")).isEqualTo(11);

            call(store, "erin", 13);
            flusher.close();
            assertThat(repo.persistedSpend("erin")).isEqualTo(13);
            assertThat(flusher.flushNow()).isCompletedExceptionally();
            assertThat(store.pendingNanos("dan").toCompletableFuture().join()).isZero();
        }
    }
}
