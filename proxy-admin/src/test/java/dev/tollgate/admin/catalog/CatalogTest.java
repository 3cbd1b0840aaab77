package dev.tollgate.admin.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.admin.catalog.CustomerCatalog.Ledger;
import dev.tollgate.admin.db.JdbcExecutor;
import dev.tollgate.admin.db.TestDatabases;
import dev.tollgate.core.limits.CustomerLimits;
import dev.tollgate.core.limits.InvalidationBus;
import dev.tollgate.core.limits.LocalInvalidationBus;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CatalogTest {
    private static final Instant NOW = Instant.parse("2024-05-01T10:00:00Z");
    private static final long MAY_2 = Instant.parse("2024-05-02T00:00:00Z").toEpochMilli();
    private static final long MAY_3 = Instant.parse("2024-05-03T00:00:00Z").toEpochMilli();
    private static final long USD = 1_000_000_000L;

    private static void exec(DataSource ds, String sql, Object... args) throws SQLException {
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            ps.executeUpdate();
        }
    }

    /** gold: $10, 5 rpm, no tpm, never resets. free (the default): $1, 2 rpm, 100 tpm, daily, next reset May 2. */
    private static void fixtures(DataSource ds) throws SQLException {
        String budget =
                "INSERT INTO tg_budget (budget_id, max_budget_nanos, rpm_limit, tpm_limit, budget_duration, budget_reset_at, "
                        + "created_at, created_by, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, 0, 't', 0, 't')";
        exec(ds, budget, "gold", 10 * USD, 5L, null, null, null);
        exec(ds, budget, "free", USD, 2L, 100L, "1d", MAY_2);
        String customer =
                "INSERT INTO tg_customer (user_id, budget_id, spend_nanos, spend_period_end, blocked, created_at, updated_at) "
                        + "VALUES (?, ?, ?, ?, ?, 0, 0)";
        exec(ds, customer, "vip", "gold", 3L, 0L, false);
        exec(ds, customer, "plain", null, 500L, MAY_2, false);
        exec(ds, customer, "banned", null, 0L, 0L, true);
    }

    private static CustomerPolicy policy(CustomerCatalog catalog, String id, Instant at) {
        return catalog.policy(id, at.toEpochMilli()).toCompletableFuture().join();
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void ownBudgetDefaultBudgetAndNone(String kind) throws Exception {
        try (TestDatabases.Handle h = TestDatabases.create(kind);
                JdbcExecutor jdbc = new JdbcExecutor(2)) {
            DataSource ds = h.db().dataSource();
            fixtures(ds);
            MutableClock clock = new MutableClock(NOW);
            JdbcCustomerCatalog withDefault =
                    new JdbcCustomerCatalog(ds, jdbc, "free", ZoneOffset.UTC, clock, Duration.ofSeconds(30));
            JdbcCustomerCatalog noDefault =
                    new JdbcCustomerCatalog(ds, jdbc, null, ZoneOffset.UTC, clock, Duration.ofSeconds(30));

            assertThat(policy(withDefault, "vip", NOW))
                    .isEqualTo(new CustomerPolicy("vip", true, false, "gold", new CustomerLimits(10 * USD, 5, -1, 0)));
            assertThat(policy(withDefault, "plain", NOW))
                    .isEqualTo(
                            new CustomerPolicy("plain", true, false, "free", new CustomerLimits(USD, 2, 100, MAY_2)));
            assertThat(policy(withDefault, "stranger", NOW))
                    .isEqualTo(new CustomerPolicy(
                            "stranger", false, false, "free", new CustomerLimits(USD, 2, 100, MAY_2)));
            assertThat(policy(withDefault, "banned", NOW).blocked()).isTrue();

            assertThat(policy(noDefault, "vip", NOW).limits()).isEqualTo(new CustomerLimits(10 * USD, 5, -1, 0));
            assertThat(policy(noDefault, "plain", NOW))
                    .isEqualTo(new CustomerPolicy("plain", true, false, null, CustomerLimits.UNLIMITED));
            assertThat(policy(noDefault, "stranger", NOW))
                    .isEqualTo(new CustomerPolicy("stranger", false, false, null, CustomerLimits.UNLIMITED));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void aHitCompletesAtOnceWithoutLoadingAndUnknownCustomersAreCachedToo(String kind) throws Exception {
        try (TestDatabases.Handle h = TestDatabases.create(kind);
                JdbcExecutor jdbc = new JdbcExecutor(2)) {
            DataSource ds = h.db().dataSource();
            fixtures(ds);
            MutableClock clock = new MutableClock(NOW);
            JdbcCustomerCatalog catalog =
                    new JdbcCustomerCatalog(ds, jdbc, "free", ZoneOffset.UTC, clock, Duration.ofSeconds(30));

            policy(catalog, "vip", NOW);
            assertThat(catalog.loadCount()).isEqualTo(1);
            CompletableFuture<CustomerPolicy> hit =
                    catalog.policy("vip", NOW.toEpochMilli()).toCompletableFuture();
            assertThat(hit).isCompleted();
            assertThat(hit.join().budgetId()).isEqualTo("gold");
            assertThat(catalog.loadCount()).isEqualTo(1);

            for (int round = 0; round < 3; round++) {
                for (int i = 0; i < 200; i++) {
                    assertThat(policy(catalog, "anon-" + i, NOW).known()).isFalse();
                }
            }
            assertThat(catalog.loadCount()).isEqualTo(1 + 200);

            // The TTL is a safety net: past it, entries load again (in the background, see below).
            clock.advance(Duration.ofSeconds(31));
            policy(catalog, "vip", clock.instant());
            assertThat(catalog.loadCount()).isEqualTo(202);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void concurrentMissesOfOneCustomerShareOneLoad(String kind) throws Exception {
        try (TestDatabases.Handle h = TestDatabases.create(kind);
                JdbcExecutor jdbc = new JdbcExecutor(1)) {
            DataSource ds = h.db().dataSource();
            fixtures(ds);
            JdbcCustomerCatalog catalog = new JdbcCustomerCatalog(
                    ds, jdbc, "free", ZoneOffset.UTC, new MutableClock(NOW), Duration.ofSeconds(30));
            // Hold the only JDBC thread so every miss below is in flight at the same time.
            CountDownLatch release = new CountDownLatch(1);
            jdbc.submit(() -> release.await(10, TimeUnit.SECONDS));
            List<CompletableFuture<CustomerPolicy>> misses = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                misses.add(catalog.policy("plain", NOW.toEpochMilli()).toCompletableFuture());
            }
            assertThat(misses).allMatch(f -> !f.isDone());
            release.countDown();
            for (CompletableFuture<CustomerPolicy> f : misses) {
                assertThat(f.get(10, TimeUnit.SECONDS).budgetId()).isEqualTo("free");
            }
            assertThat(catalog.loadCount()).isEqualTo(1);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void invalidationThroughTheBusDropsEntries(String kind) throws Exception {
        try (TestDatabases.Handle h = TestDatabases.create(kind);
                JdbcExecutor jdbc = new JdbcExecutor(2);
                InvalidationBus bus = new LocalInvalidationBus()) {
            DataSource ds = h.db().dataSource();
            fixtures(ds);
            JdbcCustomerCatalog catalog = JdbcCustomerCatalog.subscribe(
                    bus,
                    new JdbcCustomerCatalog(
                            ds, jdbc, "free", ZoneOffset.UTC, new MutableClock(NOW), Duration.ofMinutes(10)));
            assertThat(policy(catalog, "plain", NOW).budgetId()).isEqualTo("free");
            assertThat(policy(catalog, "vip", NOW).limits().rpmLimit()).isEqualTo(5);

            exec(ds, "UPDATE tg_customer SET budget_id = 'gold', blocked = TRUE WHERE user_id = 'plain'");
            exec(ds, "UPDATE tg_budget SET rpm_limit = 50 WHERE budget_id = 'gold'");
            assertThat(policy(catalog, "plain", NOW).budgetId())
                    .as("cached until invalidated")
                    .isEqualTo("free");

            bus.publish("plain");
            CustomerPolicy plain = policy(catalog, "plain", NOW);
            assertThat(plain.budgetId()).isEqualTo("gold");
            assertThat(plain.blocked()).isTrue();
            assertThat(policy(catalog, "vip", NOW).limits().rpmLimit())
                    .as("other entries kept")
                    .isEqualTo(5);

            bus.publish(InvalidationBus.ALL);
            assertThat(policy(catalog, "vip", NOW).limits().rpmLimit()).isEqualTo(50);
            assertThat(catalog.loadCount()).isEqualTo(4);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void withoutARefreshIntervalOnlyEventsReloadSoARareCallerCostsNoDatabaseRead(String kind) throws Exception {
        try (TestDatabases.Handle h = TestDatabases.create(kind);
                JdbcExecutor jdbc = new JdbcExecutor(2);
                InvalidationBus bus = new LocalInvalidationBus()) {
            DataSource ds = h.db().dataSource();
            fixtures(ds);
            MutableClock clock = new MutableClock(NOW);
            JdbcCustomerCatalog catalog = JdbcCustomerCatalog.subscribe(
                    bus, new JdbcCustomerCatalog(ds, jdbc, "free", ZoneOffset.UTC, clock, Duration.ZERO));
            assertThat(policy(catalog, "vip", NOW).limits().rpmLimit()).isEqualTo(5);
            policy(catalog, "anon-1", NOW);
            long loaded = catalog.loadCount();

            // A customer who calls once a day: each call is a cache hit, however old the entry.
            exec(ds, "UPDATE tg_budget SET rpm_limit = 50 WHERE budget_id = 'gold'");
            for (int day = 1; day <= 3; day++) {
                clock.advance(Duration.ofDays(1));
                assertThat(policy(catalog, "vip", clock.instant()).limits().rpmLimit())
                        .as("no time-based reload")
                        .isEqualTo(5);
                policy(catalog, "anon-1", clock.instant());
            }
            assertThat(catalog.reloadsInFlight()).isZero();
            assertThat(catalog.loadCount()).isEqualTo(loaded);

            // The event of the admin write is what brings the change in.
            bus.publish(InvalidationBus.ALL);
            assertThat(policy(catalog, "vip", clock.instant()).limits().rpmLimit())
                    .isEqualTo(50);
            assertThat(catalog.loadCount()).isGreaterThan(loaded);
        }
    }

    /** Waits (bounded) for a background reload to finish; the condition is what the test asserts next. */
    private static void eventually(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void aStaleEntryIsServedAtOnceWhileTheDatabaseIsDownAndReplacedWhenItIsBack(String kind) throws Exception {
        try (TestDatabases.Handle h = TestDatabases.create(kind);
                JdbcExecutor jdbc = new JdbcExecutor(2)) {
            DataSource ds = h.db().dataSource();
            fixtures(ds);
            StallingDataSource flaky = new StallingDataSource(ds);
            MutableClock clock = new MutableClock(NOW);
            JdbcCustomerCatalog catalog =
                    new JdbcCustomerCatalog(flaky, jdbc, "free", ZoneOffset.UTC, clock, Duration.ofSeconds(30));
            assertThat(policy(catalog, "vip", NOW).limits().rpmLimit()).isEqualTo(5);

            // Expired, and the database hangs (a pool waiting for its connection timeout).
            flaky.goDown();
            exec(ds, "UPDATE tg_budget SET rpm_limit = 7 WHERE budget_id = 'gold'");
            clock.advance(Duration.ofSeconds(31));
            CompletableFuture<CustomerPolicy> stale =
                    catalog.policy("vip", clock.millis()).toCompletableFuture();
            assertThat(stale).as("answered without waiting for the database").isCompleted();
            assertThat(stale.join().limits().rpmLimit()).isEqualTo(5);
            eventually(() -> flaky.waiting() == 1);
            assertThat(flaky.waiting()).as("one background reload, hanging").isEqualTo(1);

            // More calls meanwhile: answered at once, no second reload.
            for (int i = 0; i < 20; i++) {
                CompletableFuture<CustomerPolicy> again =
                        catalog.policy("vip", clock.millis()).toCompletableFuture();
                assertThat(again).isCompleted();
                assertThat(again.join().limits().rpmLimit()).isEqualTo(5);
            }
            assertThat(catalog.loadCount()).isEqualTo(2);

            // The reload fails: the stale entry stays, and no reload starts before the back-off.
            flaky.release();
            // Wait for the reload to be over, not only counted: a call while it is still registered
            // as in flight would (rightly) start no other.
            eventually(() -> catalog.reloadFailures() == 1 && catalog.reloadsInFlight() == 0);
            assertThat(catalog.reloadFailures()).isEqualTo(1);
            eventually(() -> flaky.waiting() == 0);
            flaky.goDown();
            CompletableFuture<CustomerPolicy> afterFailure =
                    catalog.policy("vip", clock.millis()).toCompletableFuture();
            assertThat(afterFailure).isCompleted();
            assertThat(afterFailure.join().limits().rpmLimit()).isEqualTo(5);
            assertThat(catalog.loadCount()).as("backing off").isEqualTo(2);

            // Back-off over: one probe; the database is back, so it replaces the stale entry.
            flaky.comeBack();
            clock.advance(Duration.ofMillis(JdbcCustomerCatalog.RETRY_AFTER_FAILURE_MS));
            CompletableFuture<CustomerPolicy> probing =
                    catalog.policy("vip", clock.millis()).toCompletableFuture();
            assertThat(probing).as("answered at once, while the probe runs").isCompleted();
            assertThat(probing.join().limits().rpmLimit())
                    .as("stale, or already fresh when the probe was quicker than the call")
                    .isIn(5L, 7L);
            assertThat(catalog.loadCount()).isEqualTo(3);
            eventually(() -> policy(catalog, "vip", clock.instant()).limits().rpmLimit() == 7);
            CompletableFuture<CustomerPolicy> fresh =
                    catalog.policy("vip", clock.millis()).toCompletableFuture();
            assertThat(fresh).isCompleted();
            assertThat(fresh.join().limits().rpmLimit()).isEqualTo(7);
            assertThat(catalog.loadCount()).as("fresh again: no more reloads").isEqualTo(3);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void aCustomerNeverLoadedWaitsForTheDatabaseAndFailsWhenItIsDown(String kind) throws Exception {
        try (TestDatabases.Handle h = TestDatabases.create(kind);
                JdbcExecutor jdbc = new JdbcExecutor(2)) {
            DataSource ds = h.db().dataSource();
            fixtures(ds);
            StallingDataSource flaky = new StallingDataSource(ds);
            JdbcCustomerCatalog catalog = new JdbcCustomerCatalog(
                    flaky, jdbc, "free", ZoneOffset.UTC, new MutableClock(NOW), Duration.ofSeconds(30));
            flaky.goDown();

            CompletableFuture<CustomerPolicy> miss =
                    catalog.policy("plain", NOW.toEpochMilli()).toCompletableFuture();
            eventually(() -> flaky.waiting() == 1);
            assertThat(miss).as("nothing cached: waits for the database").isNotDone();
            flaky.release();
            assertThatThrownBy(() -> miss.get(10, TimeUnit.SECONDS)).hasRootCauseInstanceOf(SQLException.class);
            assertThat(catalog.size()).as("a failure is not cached").isZero();

            flaky.comeBack();
            assertThat(policy(catalog, "plain", NOW).budgetId()).isEqualTo("free");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void reloadsQueuedBehindAFailureSkipTheDatabase(String kind) throws Exception {
        try (TestDatabases.Handle h = TestDatabases.create(kind);
                JdbcExecutor jdbc = new JdbcExecutor(1)) {
            DataSource ds = h.db().dataSource();
            fixtures(ds);
            StallingDataSource flaky = new StallingDataSource(ds);
            MutableClock clock = new MutableClock(NOW);
            JdbcCustomerCatalog catalog =
                    new JdbcCustomerCatalog(flaky, jdbc, "free", ZoneOffset.UTC, clock, Duration.ofSeconds(30));
            for (int i = 0; i < 10; i++) {
                policy(catalog, "c-" + i, NOW);
            }
            int attemptsBefore = flaky.attempts();

            flaky.goDown();
            clock.advance(Duration.ofSeconds(31));
            for (int i = 0; i < 10; i++) {
                assertThat(catalog.policy("c-" + i, clock.millis()).toCompletableFuture())
                        .isCompleted();
            }
            // The only JDBC thread hangs on the first read; the reloads not in it are queued behind it.
            eventually(() -> flaky.waiting() == 1);
            flaky.release();
            eventually(() -> catalog.reloadFailures() >= 1 && jdbcIdle(jdbc) && catalog.reloadsInFlight() == 0);

            assertThat(flaky.attempts() - attemptsBefore)
                    .as("only the first read reached the database")
                    .isEqualTo(1);
            assertThat(catalog.reloadFailures())
                    .as("the reloads of that one read")
                    .isBetween(1L, 10L);
            for (int i = 0; i < 10; i++) {
                assertThat(catalog.policy("c-" + i, clock.millis())
                                .toCompletableFuture()
                                .join()
                                .budgetId())
                        .isEqualTo("free");
            }
        }
    }

    /** True once every task queued on the executor before this call has run. */
    private static boolean jdbcIdle(JdbcExecutor jdbc) {
        try {
            jdbc.submit(() -> null).get(10, TimeUnit.SECONDS);
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void invalidationBypassesAStaleEntry(String kind) throws Exception {
        try (TestDatabases.Handle h = TestDatabases.create(kind);
                JdbcExecutor jdbc = new JdbcExecutor(2)) {
            DataSource ds = h.db().dataSource();
            fixtures(ds);
            MutableClock clock = new MutableClock(NOW);
            JdbcCustomerCatalog catalog =
                    new JdbcCustomerCatalog(ds, jdbc, "free", ZoneOffset.UTC, clock, Duration.ofSeconds(30));
            assertThat(policy(catalog, "plain", NOW).blocked()).isFalse();
            assertThat(policy(catalog, "vip", NOW).limits().rpmLimit()).isEqualTo(5);
            clock.advance(Duration.ofSeconds(31)); // both stale now

            exec(ds, "UPDATE tg_customer SET blocked = TRUE WHERE user_id = 'plain'");
            catalog.invalidate("plain");
            assertThat(policy(catalog, "plain", clock.instant()).blocked())
                    .as("the first call after the admin change")
                    .isTrue();

            exec(ds, "UPDATE tg_budget SET rpm_limit = 9 WHERE budget_id = 'gold'");
            catalog.invalidateAll();
            assertThat(policy(catalog, "vip", clock.instant()).limits().rpmLimit())
                    .isEqualTo(9);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void aPassedPeriodEndIsRolledForwardWithoutIo(String kind) throws Exception {
        try (TestDatabases.Handle h = TestDatabases.create(kind);
                JdbcExecutor jdbc = new JdbcExecutor(2)) {
            DataSource ds = h.db().dataSource();
            fixtures(ds);
            MutableClock clock = new MutableClock(NOW);
            JdbcCustomerCatalog catalog =
                    new JdbcCustomerCatalog(ds, jdbc, "free", ZoneOffset.UTC, clock, Duration.ofDays(7));
            assertThat(policy(catalog, "plain", NOW).limits().periodEndMs()).isEqualTo(MAY_2);

            clock.set(Instant.ofEpochMilli(MAY_2));
            assertThat(policy(catalog, "plain", clock.instant()).limits().periodEndMs())
                    .isEqualTo(MAY_3);
            clock.set(Instant.parse("2024-05-02T23:59:59Z"));
            assertThat(policy(catalog, "plain", clock.instant()).limits().periodEndMs())
                    .isEqualTo(MAY_3);
            assertThat(catalog.loadCount()).isEqualTo(1);

            // A budget whose stored reset time is already past when loaded (the reset job is late).
            catalog.invalidateAll();
            clock.set(Instant.parse("2024-05-04T12:00:00Z"));
            assertThat(policy(catalog, "plain", clock.instant()).limits().periodEndMs())
                    .isEqualTo(Instant.parse("2024-05-05T00:00:00Z").toEpochMilli());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void ledgerIsReadFreshAndZeroAfterARollover(String kind) throws Exception {
        try (TestDatabases.Handle h = TestDatabases.create(kind);
                JdbcExecutor jdbc = new JdbcExecutor(2)) {
            DataSource ds = h.db().dataSource();
            fixtures(ds);
            MutableClock clock = new MutableClock(NOW);
            JdbcCustomerCatalog catalog =
                    new JdbcCustomerCatalog(ds, jdbc, "free", ZoneOffset.UTC, clock, Duration.ofSeconds(30));
            JdbcCustomerCatalog noDefault =
                    new JdbcCustomerCatalog(ds, jdbc, null, ZoneOffset.UTC, clock, Duration.ofSeconds(30));

            assertThat(seed(catalog, "plain", NOW)).isEqualTo(new Ledger(500, MAY_2, false));
            exec(ds, "UPDATE tg_customer SET spend_nanos = 700 WHERE user_id = 'plain'");
            assertThat(seed(catalog, "plain", NOW)).as("never cached").isEqualTo(new Ledger(700, MAY_2, false));
            // The period ended and the reset job has not run yet: the stored spend belongs to the old period.
            assertThat(seed(catalog, "plain", Instant.ofEpochMilli(MAY_2 + 1))).isEqualTo(new Ledger(0, MAY_3, false));

            assertThat(seed(catalog, "vip", NOW)).isEqualTo(new Ledger(3, 0, false));
            assertThat(seed(catalog, "stranger", NOW)).isEqualTo(new Ledger(0, MAY_2, false));
            assertThat(seed(noDefault, "stranger", NOW)).isEqualTo(new Ledger(0, 0, false));
            // No budget any more: the row's period still runs, so its spend carries over; after it, it restarts.
            assertThat(seed(noDefault, "plain", NOW)).isEqualTo(new Ledger(700, 0, false));
            assertThat(seed(noDefault, "plain", Instant.ofEpochMilli(MAY_2))).isEqualTo(new Ledger(0, 0, false));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void ledgerSaysWhetherABatchIsCommitted(String kind) throws Exception {
        try (TestDatabases.Handle h = TestDatabases.create(kind);
                JdbcExecutor jdbc = new JdbcExecutor(2)) {
            DataSource ds = h.db().dataSource();
            fixtures(ds);
            JdbcCustomerCatalog catalog = new JdbcCustomerCatalog(
                    ds, jdbc, "free", ZoneOffset.UTC, new MutableClock(NOW), Duration.ofSeconds(30));
            exec(
                    ds,
                    "INSERT INTO tg_spend_batch (batch_id, customer_id, spend_nanos, applied_at)"
                            + " VALUES ('b-1', 'plain', 500, 0)");

            assertThat(catalog.ledger("plain", "b-1", NOW.toEpochMilli())
                            .toCompletableFuture()
                            .join())
                    .isEqualTo(new Ledger(500, MAY_2, true));
            assertThat(catalog.ledger("plain", "b-2", NOW.toEpochMilli())
                            .toCompletableFuture()
                            .join())
                    .isEqualTo(new Ledger(500, MAY_2, false));
            assertThat(catalog.ledger("stranger", "b-1", NOW.toEpochMilli())
                            .toCompletableFuture()
                            .join())
                    .isEqualTo(new Ledger(0, MAY_2, true));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void theCacheIsBoundedAndAnEvictedCustomerIsLoadedAgainNeverWrong(String kind) throws Exception {
        try (TestDatabases.Handle h = TestDatabases.create(kind);
                JdbcExecutor jdbc = new JdbcExecutor(2)) {
            DataSource ds = h.db().dataSource();
            fixtures(ds);
            String budget =
                    "INSERT INTO tg_budget (budget_id, max_budget_nanos, rpm_limit, created_at, created_by, updated_at,"
                            + " updated_by) VALUES (?, ?, ?, 0, 't', 0, 't')";
            String customer = "INSERT INTO tg_customer (user_id, budget_id, spend_nanos, spend_period_end, blocked,"
                    + " created_at, updated_at) VALUES (?, ?, 0, 0, FALSE, 0, 0)";
            for (int i = 0; i < 60; i++) {
                exec(ds, budget, "own-" + i, (long) i * USD, (long) i);
                exec(ds, customer, "bounded-" + i, "own-" + i);
            }
            JdbcCustomerCatalog catalog = new JdbcCustomerCatalog(
                    ds, jdbc, "free", ZoneOffset.UTC, new MutableClock(NOW), Duration.ofMinutes(10), 20);
            for (int round = 0; round < 2; round++) {
                for (int i = 0; i < 60; i++) {
                    CustomerPolicy p = policy(catalog, "bounded-" + i, NOW);
                    assertThat(p.budgetId()).isEqualTo("own-" + i);
                    assertThat(p.limits().rpmLimit()).isEqualTo(i);
                    assertThat(p.limits().maxBudgetNanos()).isEqualTo((long) i * USD);
                }
            }
            assertThat(catalog.size()).as("bounded by the setting").isLessThanOrEqualTo(20);
            assertThat(catalog.loadCount())
                    .as("evicted customers were loaded again")
                    .isGreaterThan(60);
        }
    }

    private static Ledger seed(CustomerCatalog catalog, String id, Instant at) {
        return catalog.ledger(id, null, at.toEpochMilli()).toCompletableFuture().join();
    }
}
