package dev.tollgate.admin.spend;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.admin.db.TestDatabases;
import dev.tollgate.core.json.Json;
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

    @ParameterizedTest
    @CsvSource({"h2, inprocess", "postgres, inprocess", "postgres, redis"})
    void aBatchTheDatabaseRefusesIsQuarantinedAndTheRestCommits(String kind, String storeKind) throws Exception {
        try (TestDatabases.Handle h = TestDatabases.create(kind);
                TestStores.Handle stores = TestStores.create(storeKind)) {
            LimitStore store = stores.store();
            SpendRepository repo = new SpendRepository(h.db().dataSource());
            // 300 emoji: longer than the id column however the database counts (code points or UTF-16 units).
            String poison = "\uD83D\uDE00".repeat(300);
            call(store, "fine-1", 5);
            call(store, poison, 7);
            call(store, "fine-2", 11);
            try (SpendFlusher flusher = new SpendFlusher(store, repo, Duration.ofSeconds(10))) {
                assertThat(flush(flusher)).as("the two good batches").isEqualTo(2);
                assertThat(flusher.quarantinedBatches()).isEqualTo(1);
                assertThat(flusher.pendingBatchesFailed()).isZero();
                assertThat(flusher.stuck(System.currentTimeMillis())).isFalse();
                assertThat(flush(flusher)).as("nothing is retried forever").isZero();
                assertThat(flusher.quarantinedBatches()).isEqualTo(1);
            }
            assertThat(repo.persistedSpend("fine-1")).isEqualTo(5);
            assertThat(repo.persistedSpend("fine-2")).isEqualTo(11);
            assertThat(store.pendingNanos(poison).toCompletableFuture().join())
                    .as("acknowledged once quarantined")
                    .isZero();
            assertThat(repo.unresolvedQuarantined()).isEqualTo(1);
            String payload = SpendTestSql.string(
                    h.db().dataSource(), "SELECT payload FROM tg_spend_quarantine WHERE reason = 'rejected'");
            JsonNode json = Json.MAPPER.readTree(payload);
            assertThat(json.get("customer_id").asText())
                    .as("the id survives exactly")
                    .isEqualTo(poison);
            assertThat(json.get("spend_by_period").get(0).get("spend_nanos").asLong())
                    .isEqualTo(7);
        }
    }

    @Test
    void aFlushThatKeepsFailingIsStuckUntilItSucceeds() throws Exception {
        try (TestDatabases.Handle h = TestDatabases.create("h2");
                LimitStore store = new InProcessLimitStore()) {
            SwitchableDataSource ds = new SwitchableDataSource(h.db().dataSource());
            MutableTime clock = new MutableTime(NOW);
            SpendFlusher flusher = new SpendFlusher(
                    store, new SpendRepository(ds), Duration.ofSeconds(10), Duration.ofSeconds(60), clock);
            try (flusher) {
                call(store, "stuck-1", 3);
                assertThat(flush(flusher)).isEqualTo(1);
                ds.down.set(true);
                call(store, "stuck-1", 4);
                assertThat(flush(flusher)).isZero();
                assertThat(flusher.stuck(clock.millis()))
                        .as("one failure is not stuck yet")
                        .isFalse();
                clock.advance(Duration.ofSeconds(36));
                assertThat(flusher.stuck(clock.millis())).isTrue();
                ds.down.set(false);
                assertThat(flush(flusher)).isEqualTo(1);
                assertThat(flusher.stuck(clock.millis())).isFalse();
            }
        }
    }

    @Test
    void thePauseGrowsWithLongPassesUpToTheMaximum() throws Exception {
        try (TestDatabases.Handle h = TestDatabases.create("h2");
                LimitStore store = new InProcessLimitStore();
                SpendFlusher flusher = new SpendFlusher(
                        store,
                        new SpendRepository(h.db().dataSource()),
                        Duration.ofSeconds(10),
                        Duration.ofSeconds(60),
                        new MutableTime(NOW))) {
            assertThat(flusher.delayAfter(200)).isEqualTo(10_000);
            assertThat(flusher.delayAfter(3_000)).as("nine times the pass").isEqualTo(27_000);
            assertThat(flusher.delayAfter(30_000)).isEqualTo(60_000);
        }
    }

    /** A clock the test moves by hand. */
    static final class MutableTime extends java.time.Clock {
        private volatile long ms;

        MutableTime(long ms) {
            this.ms = ms;
        }

        void advance(Duration d) {
            ms += d.toMillis();
        }

        @Override
        public long millis() {
            return ms;
        }

        @Override
        public java.time.Instant instant() {
            return java.time.Instant.ofEpochMilli(ms);
        }

        @Override
        public java.time.ZoneId getZone() {
            return java.time.ZoneOffset.UTC;
        }

        @Override
        public java.time.Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }
}
