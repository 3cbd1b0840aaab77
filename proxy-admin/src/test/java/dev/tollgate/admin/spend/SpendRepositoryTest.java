package dev.tollgate.admin.spend;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.admin.db.TestDatabases;
import dev.tollgate.core.limits.BatchIds;
import dev.tollgate.core.limits.PendingBatch;
import dev.tollgate.core.limits.PendingBatch.DailyUsage;
import dev.tollgate.core.limits.PendingBatch.PeriodSpend;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SpendRepositoryTest {
    private static final long NOW = 1_700_000_000_000L;
    private static final long P1 = 1_700_100_000_000L;
    private static final long P2 = 1_700_200_000_000L;

    private static PendingBatch batch(String customer, String id, long periodEnd, long nanos) {
        return new PendingBatch(customer, id, List.of(new PeriodSpend(periodEnd, nanos)), List.of());
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void appliesABatchExactlyOnce(String kind) throws Exception {
        try (TestDatabases.Handle h = TestDatabases.create(kind)) {
            DataSource ds = h.db().dataSource();
            SpendRepository repo = new SpendRepository(ds);
            PendingBatch b = new PendingBatch(
                    "alice",
                    "b-1",
                    List.of(new PeriodSpend(0, 1_234_567_891L)),
                    List.of(new DailyUsage("2024-05-01", "gpt-4o", 3, 2, 100, 50, 1_234_567_891L)));

            assertThat(repo.applyBatch(b, NOW)).isTrue();
            assertThat(repo.applyBatch(b, NOW + 1)).isFalse();

            assertThat(repo.persistedSpend("alice")).isEqualTo(1_234_567_891L);
            assertThat(SpendTestSql.daily(ds, "alice", "2024-05-01", "gpt-4o"))
                    .isEqualTo(new SpendTestSql.Daily(3, 2, 1, 100, 50, 1_234_567_891L));
            assertThat(SpendTestSql.count(ds, "SELECT COUNT(*) FROM tg_spend_batch WHERE batch_id = ?", "b-1"))
                    .isEqualTo(1);
        }
    }

    /**
     * Many customers' batches in one transaction: each has its own outcome, a batch that fails is
     * undone alone (its id is not recorded, so it can be retried) and the others still commit.
     */
    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void aGroupOfBatchesCommitsTogetherAndABadOneFailsAlone(String kind) throws Exception {
        try (TestDatabases.Handle h = TestDatabases.create(kind)) {
            DataSource ds = h.db().dataSource();
            SpendRepository repo = new SpendRepository(ds);
            assertThat(repo.applyBatch(batch("carl", "c-1", 0, 5), NOW)).isTrue();
            // A customer id longer than the column: its insert fails inside the group.
            String tooLong = "x".repeat(2000);
            List<PendingBatch> group = List.of(
                    batch("zoe", "z-1", 0, 10),
                    batch(tooLong, "t-1", 0, 20),
                    batch("carl", "c-1", 0, 5),
                    batch("amy", "a-1", 0, 30));

            List<SpendRepository.Outcome> outcomes = repo.applyBatches(group, NOW);

            assertThat(outcomes)
                    .containsExactly(
                            SpendRepository.Outcome.APPLIED,
                            SpendRepository.Outcome.REJECTED,
                            SpendRepository.Outcome.APPLIED_BEFORE,
                            SpendRepository.Outcome.APPLIED);
            assertThat(repo.lastGroupFailure()).isNotNull();
            assertThat(repo.persistedSpend("zoe")).isEqualTo(10);
            assertThat(repo.persistedSpend("amy")).isEqualTo(30);
            assertThat(repo.persistedSpend("carl"))
                    .as("applied before: not counted twice")
                    .isEqualTo(5);
            assertThat(SpendTestSql.count(ds, "SELECT COUNT(*) FROM tg_spend_batch WHERE batch_id = ?", "t-1"))
                    .as("the failed batch left no trace, so a retry applies it")
                    .isZero();
            // Replaying the whole group changes nothing that was applied.
            assertThat(repo.applyBatches(List.of(batch("zoe", "z-1", 0, 10), batch("amy", "a-1", 0, 30)), NOW))
                    .containsOnly(SpendRepository.Outcome.APPLIED_BEFORE);
            assertThat(repo.persistedSpend("zoe")).isEqualTo(10);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void firstBatchCreatesTheCustomerWithoutBudget(String kind) throws Exception {
        try (TestDatabases.Handle h = TestDatabases.create(kind)) {
            DataSource ds = h.db().dataSource();
            SpendRepository repo = new SpendRepository(ds);
            assertThat(repo.customerSpend("bob")).isEmpty();

            repo.applyBatch(batch("bob", "b-1", 0, 42), NOW);

            assertThat(repo.customerSpend("bob")).contains(new SpendRepository.CustomerSpend(42, 0));
            assertThat(SpendTestSql.count(
                            ds,
                            "SELECT COUNT(*) FROM tg_customer WHERE user_id = ? AND blocked = FALSE "
                                    + "AND budget_id IS NULL AND created_at = ?",
                            "bob",
                            NOW))
                    .isEqualTo(1);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void twoThreadsApplyingTheSameBatchApplyItOnce(String kind) throws Exception {
        try (TestDatabases.Handle h = TestDatabases.create(kind)) {
            SpendRepository repo = new SpendRepository(h.db().dataSource());
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                int rounds = 20;
                for (int i = 0; i < rounds; i++) {
                    // A new customer each round, so the customer-creation race is exercised as well.
                    PendingBatch b = batch("racer-" + i, "race-" + i, 0, 1_000_000_007L);
                    CyclicBarrier start = new CyclicBarrier(2);
                    Callable<Boolean> apply = () -> {
                        start.await(5, TimeUnit.SECONDS);
                        return repo.applyBatch(b, NOW);
                    };
                    Future<Boolean> a = pool.submit(apply);
                    Future<Boolean> c = pool.submit(apply);
                    assertThat(List.of(a.get(30, TimeUnit.SECONDS), c.get(30, TimeUnit.SECONDS)))
                            .containsExactlyInAnyOrder(true, false);
                    assertThat(repo.persistedSpend("racer-" + i)).isEqualTo(1_000_000_007L);
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void concurrentBatchesOfANewCustomerAllCount(String kind) throws Exception {
        try (TestDatabases.Handle h = TestDatabases.create(kind)) {
            SpendRepository repo = new SpendRepository(h.db().dataSource());
            int threads = 4;
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                CyclicBarrier start = new CyclicBarrier(threads);
                List<Future<Boolean>> results = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    PendingBatch b = new PendingBatch(
                            "carol",
                            "c-" + t,
                            List.of(new PeriodSpend(0, 10 + t)),
                            List.of(new DailyUsage("2024-05-01", "m", 1, 1, 1, 1, 10 + t)));
                    results.add(pool.submit(() -> {
                        start.await(5, TimeUnit.SECONDS);
                        return repo.applyBatch(b, NOW);
                    }));
                }
                for (Future<Boolean> f : results) {
                    assertThat(f.get(30, TimeUnit.SECONDS)).isTrue();
                }
            } finally {
                pool.shutdownNow();
            }
            assertThat(repo.persistedSpend("carol")).isEqualTo(10 + 11 + 12 + 13);
            assertThat(SpendTestSql.daily(h.db().dataSource(), "carol", "2024-05-01", "m")
                            .requests())
                    .isEqualTo(threads);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void periodRulesOnTheStoredRow(String kind) throws Exception {
        try (TestDatabases.Handle h = TestDatabases.create(kind)) {
            SpendRepository repo = new SpendRepository(h.db().dataSource());

            // 0 → P1: the customer got a budget with a duration; spend so far is kept, P1 adopted.
            repo.applyBatch(batch("dave", "d-1", 0, 100), NOW);
            repo.applyBatch(batch("dave", "d-2", P1, 20), NOW);
            assertThat(repo.customerSpend("dave")).contains(new SpendRepository.CustomerSpend(120, P1));

            // Same period: added.
            repo.applyBatch(batch("dave", "d-3", P1, 3), NOW);
            assertThat(repo.customerSpend("dave")).contains(new SpendRepository.CustomerSpend(123, P1));

            // Newer period before the reset job ran: restarts at the batch's spend.
            repo.applyBatch(batch("dave", "d-4", P2, 7), NOW);
            assertThat(repo.customerSpend("dave")).contains(new SpendRepository.CustomerSpend(7, P2));

            // Older period (already reset): not added to the current period, but still recorded as applied.
            assertThat(repo.applyBatch(batch("dave", "d-5", P1, 1000), NOW)).isTrue();
            assertThat(repo.customerSpend("dave")).contains(new SpendRepository.CustomerSpend(7, P2));
            assertThat(repo.applyBatch(batch("dave", "d-5", P1, 1000), NOW)).isFalse();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void dailyAggregatesAreSummedPerDayAndModel(String kind) throws Exception {
        try (TestDatabases.Handle h = TestDatabases.create(kind)) {
            DataSource ds = h.db().dataSource();
            SpendRepository repo = new SpendRepository(ds);
            repo.applyBatch(
                    new PendingBatch(
                            "erin",
                            "e-1",
                            List.of(new PeriodSpend(0, 30)),
                            List.of(
                                    new DailyUsage("2024-05-01", "gpt-4o", 2, 2, 10, 5, 20),
                                    new DailyUsage("2024-05-01", "gpt-4o-mini", 1, 0, 7, 0, 10))),
                    NOW);
            repo.applyBatch(
                    new PendingBatch(
                            "erin",
                            "e-2",
                            List.of(new PeriodSpend(0, 9)),
                            List.of(
                                    new DailyUsage("2024-05-01", "gpt-4o", 1, 1, 3, 4, 5),
                                    new DailyUsage("2024-05-02", "gpt-4o", 1, 1, 1, 1, 4))),
                    NOW);

            assertThat(SpendTestSql.daily(ds, "erin", "2024-05-01", "gpt-4o"))
                    .isEqualTo(new SpendTestSql.Daily(3, 3, 0, 13, 9, 25));
            assertThat(SpendTestSql.daily(ds, "erin", "2024-05-01", "gpt-4o-mini"))
                    .isEqualTo(new SpendTestSql.Daily(1, 0, 1, 7, 0, 10));
            assertThat(SpendTestSql.daily(ds, "erin", "2024-05-02", "gpt-4o"))
                    .isEqualTo(new SpendTestSql.Daily(1, 1, 0, 1, 1, 4));
            assertThat(repo.persistedSpend("erin")).isEqualTo(39);
        }
    }

    /**
     * Applied batch ids are kept for the retention, then pruned. A replay the table can still check
     * is recognised; one claimed longer ago than the table is trusted for is unverifiable (for the
     * quarantine), never applied a second time, even after its row is gone.
     */
    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void appliedBatchIdsArePrunedAfterTheRetentionAndOlderReplaysAreNotAppliedAgain(String kind) throws Exception {
        try (TestDatabases.Handle h = TestDatabases.create(kind)) {
            DataSource ds = h.db().dataSource();
            long hour = 3_600_000L;
            SpendRepository repo = new SpendRepository(ds, Duration.ofHours(1));
            PendingBatch early = batch("pia", BatchIds.next(NOW), 0, 100);
            PendingBatch late = batch("pia-2", BatchIds.next(NOW + hour / 2), 0, 200);
            assertThat(repo.applyBatch(early, NOW)).isTrue();
            assertThat(repo.applyBatch(late, NOW + hour / 2)).isTrue();

            // 40 minutes on: still trusted to the table (retention minus a 10-minute margin).
            assertThat(repo.applyBatches(List.of(early), NOW + 40 * 60_000L))
                    .containsExactly(SpendRepository.Outcome.APPLIED_BEFORE);
            // 55 minutes on: past the trusted age, but its id is still there, so it is known.
            assertThat(repo.applyBatches(List.of(early), NOW + 55 * 60_000L))
                    .containsExactly(SpendRepository.Outcome.APPLIED_BEFORE);

            assertThat(repo.pruneAppliedBatchIds(NOW + hour + 1, 1000)).isEqualTo(1);
            assertThat(SpendTestSql.count(ds, "SELECT COUNT(*) FROM tg_spend_batch"))
                    .isEqualTo(1);
            assertThat(repo.applyBatches(List.of(early), NOW + hour + 2))
                    .as("gone from the table: cannot tell, so not applied")
                    .containsExactly(SpendRepository.Outcome.UNVERIFIABLE);
            assertThat(repo.persistedSpend("pia")).isEqualTo(100);
            assertThat(repo.applyBatches(List.of(late), NOW + hour + 2))
                    .containsExactly(SpendRepository.Outcome.APPLIED_BEFORE);
            assertThat(repo.persistedSpend("pia-2")).isEqualTo(200);
            // A fresh batch is applied as usual.
            assertThat(repo.applyBatch(batch("pia", BatchIds.next(NOW + hour + 3), 0, 1), NOW + hour + 3))
                    .isTrue();
            assertThat(repo.persistedSpend("pia")).isEqualTo(101);
        }
    }
}
