package dev.tollgate.admin.spend;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.admin.catalog.MutableClock;
import dev.tollgate.admin.db.TestDatabases;
import dev.tollgate.core.limits.InvalidationBus;
import dev.tollgate.core.limits.LocalInvalidationBus;
import dev.tollgate.core.limits.PendingBatch;
import dev.tollgate.core.limits.PendingBatch.PeriodSpend;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BudgetResetJobTest {
    private static final long MAY_2 = Instant.parse("2024-05-02T00:00:00Z").toEpochMilli();
    private static final long MAY_3 = Instant.parse("2024-05-03T00:00:00Z").toEpochMilli();
    private static final long JUNE_1 = Instant.parse("2024-06-01T00:00:00Z").toEpochMilli();
    private static final Instant JUST_AFTER_MAY_2 = Instant.parse("2024-05-02T00:00:05Z");

    /** daily: due at May 2. monthly: due June 1. fixed: no duration. Default budget = daily. */
    private static void fixtures(DataSource ds) throws Exception {
        SpendTestSql.insertBudget(ds, "daily", 1_000L, null, null, "1d", MAY_2);
        SpendTestSql.insertBudget(ds, "monthly", 1_000L, null, null, "1mo", JUNE_1);
        SpendTestSql.insertBudget(ds, "fixed", 1_000L, null, null, null, null);
        SpendTestSql.insertCustomer(ds, "own-daily", "daily", 100, MAY_2, false);
        SpendTestSql.insertCustomer(ds, "on-default", null, 200, MAY_2, false);
        SpendTestSql.insertCustomer(ds, "own-monthly", "monthly", 300, JUNE_1, false);
        SpendTestSql.insertCustomer(ds, "own-fixed", "fixed", 400, 0, false);
    }

    private static long spend(DataSource ds, String id) throws Exception {
        return SpendTestSql.count(ds, "SELECT spend_nanos FROM tg_customer WHERE user_id = ?", id);
    }

    private static long periodEnd(DataSource ds, String id) throws Exception {
        return SpendTestSql.count(ds, "SELECT spend_period_end FROM tg_customer WHERE user_id = ?", id);
    }

    private static long resetAt(DataSource ds, String budget) throws Exception {
        return SpendTestSql.count(ds, "SELECT budget_reset_at FROM tg_budget WHERE budget_id = ?", budget);
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void aDueBudgetZeroesItsCustomersAndTheDefaultBudgetsOnesThenInvalidates(String kind) throws Exception {
        try (TestDatabases.Handle h = TestDatabases.create(kind);
                InvalidationBus bus = new LocalInvalidationBus()) {
            DataSource ds = h.db().dataSource();
            fixtures(ds);
            List<String> published = new CopyOnWriteArrayList<>();
            List<Long> spendSeenAtPublish = new CopyOnWriteArrayList<>();
            bus.subscribe(m -> {
                published.add(m);
                try {
                    // Read on another connection: proves the publish comes after the commit.
                    spendSeenAtPublish.add(spend(ds, "own-daily"));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            MutableClock clock = new MutableClock(Instant.parse("2024-05-01T23:59:59Z"));
            BudgetResetJob job = new BudgetResetJob(ds, bus, "daily", ZoneOffset.UTC, clock, Duration.ofSeconds(10));

            assertThat(job.runOnce()).as("nothing due yet").isZero();
            assertThat(published).isEmpty();

            clock.set(JUST_AFTER_MAY_2);
            assertThat(job.runOnce()).isEqualTo(1);

            assertThat(resetAt(ds, "daily")).isEqualTo(MAY_3);
            assertThat(spend(ds, "own-daily")).isZero();
            assertThat(periodEnd(ds, "own-daily")).isEqualTo(MAY_3);
            assertThat(spend(ds, "on-default")).as("LiteLLM #24675").isZero();
            assertThat(periodEnd(ds, "on-default")).isEqualTo(MAY_3);
            assertThat(spend(ds, "own-monthly")).isEqualTo(300);
            assertThat(spend(ds, "own-fixed")).isEqualTo(400);
            assertThat(resetAt(ds, "monthly")).isEqualTo(JUNE_1);
            assertThat(published).containsExactly(InvalidationBus.ALL);
            assertThat(spendSeenAtPublish).containsExactly(0L);

            assertThat(job.runOnce()).as("not due again until May 3").isZero();
            assertThat(published).hasSize(1);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void withoutDefaultBudgetCustomersWithoutBudgetAreLeftAlone(String kind) throws Exception {
        try (TestDatabases.Handle h = TestDatabases.create(kind);
                InvalidationBus bus = new LocalInvalidationBus()) {
            DataSource ds = h.db().dataSource();
            fixtures(ds);
            BudgetResetJob job = new BudgetResetJob(
                    ds, bus, null, ZoneOffset.UTC, new MutableClock(JUST_AFTER_MAY_2), Duration.ofSeconds(10));
            assertThat(job.runOnce()).isEqualTo(1);
            assertThat(spend(ds, "own-daily")).isZero();
            assertThat(spend(ds, "on-default")).isEqualTo(200);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void spendAlreadyFlushedIntoTheNewPeriodSurvivesALateReset(String kind) throws Exception {
        try (TestDatabases.Handle h = TestDatabases.create(kind);
                InvalidationBus bus = new LocalInvalidationBus()) {
            DataSource ds = h.db().dataSource();
            fixtures(ds);
            // The limit store rolled over lazily at midnight and the flusher wrote new-period spend
            // before this job ran.
            SpendRepository repo = new SpendRepository(ds);
            repo.applyBatch(
                    new PendingBatch("own-daily", "late-1", List.of(new PeriodSpend(MAY_3, 42)), List.of()), MAY_2);
            BudgetResetJob job = new BudgetResetJob(
                    ds, bus, "daily", ZoneOffset.UTC, new MutableClock(JUST_AFTER_MAY_2), Duration.ofSeconds(10));
            assertThat(job.runOnce()).isEqualTo(1);
            assertThat(spend(ds, "own-daily")).isEqualTo(42);
            assertThat(periodEnd(ds, "own-daily")).isEqualTo(MAY_3);
            assertThat(spend(ds, "on-default")).isZero();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void aBudgetWithoutResetTimeIsOnlyInitialised(String kind) throws Exception {
        try (TestDatabases.Handle h = TestDatabases.create(kind);
                InvalidationBus bus = new LocalInvalidationBus()) {
            DataSource ds = h.db().dataSource();
            SpendTestSql.insertBudget(ds, "fresh", 1_000L, null, null, "1d", null);
            SpendTestSql.insertCustomer(ds, "new-one", "fresh", 77, MAY_3, false);
            BudgetResetJob job = new BudgetResetJob(
                    ds, bus, null, ZoneOffset.UTC, new MutableClock(JUST_AFTER_MAY_2), Duration.ofSeconds(10));
            assertThat(job.runOnce()).isZero();
            assertThat(resetAt(ds, "fresh")).isEqualTo(MAY_3);
            assertThat(spend(ds, "new-one"))
                    .as("LiteLLM #22013: spend of the current period is kept")
                    .isEqualTo(77);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void twoInstancesResetOnce(String kind) throws Exception {
        try (TestDatabases.Handle h = TestDatabases.create(kind);
                InvalidationBus bus = new LocalInvalidationBus()) {
            DataSource ds = h.db().dataSource();
            fixtures(ds);
            MutableClock clock = new MutableClock(JUST_AFTER_MAY_2);
            BudgetResetJob a = new BudgetResetJob(ds, bus, "daily", ZoneOffset.UTC, clock, Duration.ofSeconds(10));
            BudgetResetJob b = new BudgetResetJob(ds, bus, "daily", ZoneOffset.UTC, clock, Duration.ofSeconds(10));
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                for (int day = 0; day < 10; day++) {
                    long due = MAY_2 + day * 86_400_000L;
                    clock.set(Instant.ofEpochMilli(due + 5_000));
                    // New-period spend lands between resets; each reset must zero it exactly once.
                    SpendTestSql.exec(ds, "UPDATE tg_customer SET spend_nanos = 9 WHERE user_id = 'own-daily'");
                    CyclicBarrier start = new CyclicBarrier(2);
                    Future<Integer> ra = pool.submit(() -> {
                        start.await(5, TimeUnit.SECONDS);
                        return a.runOnce();
                    });
                    Future<Integer> rb = pool.submit(() -> {
                        start.await(5, TimeUnit.SECONDS);
                        return b.runOnce();
                    });
                    assertThat(ra.get(30, TimeUnit.SECONDS) + rb.get(30, TimeUnit.SECONDS))
                            .as("day " + day)
                            .isEqualTo(1);
                    assertThat(resetAt(ds, "daily")).isEqualTo(due + 86_400_000L);
                    assertThat(spend(ds, "own-daily")).isZero();
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }
}
