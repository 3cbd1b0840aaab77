package dev.tollgate.admin.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.admin.catalog.CustomerCatalog.SeedSpend;
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
import javax.sql.DataSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CatalogTest {
    private static final Instant NOW = Instant.parse("2024-05-01T10:00:00Z");
    private static final long MAY_2 = Instant.parse("2024-05-02T00:00:00Z").toEpochMilli();
    private static final long MAY_3 = Instant.parse("2024-05-03T00:00:00Z").toEpochMilli();
    private static final long USD = 1_000_000_000L;

    private static void exec(DataSource ds, String sql, Object... args) throws SQLException {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            ps.executeUpdate();
        }
    }

    /** gold: $10, 5 rpm, no tpm, never resets. free (the default): $1, 2 rpm, 100 tpm, daily, next reset May 2. */
    private static void fixtures(DataSource ds) throws SQLException {
        String budget = "INSERT INTO tg_budget (budget_id, max_budget_nanos, rpm_limit, tpm_limit, budget_duration, budget_reset_at, "
                + "created_at, created_by, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, 0, 't', 0, 't')";
        exec(ds, budget, "gold", 10 * USD, 5L, null, null, null);
        exec(ds, budget, "free", USD, 2L, 100L, "1d", MAY_2);
        String customer = "INSERT INTO tg_customer (user_id, budget_id, spend_nanos, spend_period_end, blocked, created_at, updated_at) "
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
        try (TestDatabases.Handle h = TestDatabases.create(kind); JdbcExecutor jdbc = new JdbcExecutor(2)) {
            DataSource ds = h.db().dataSource();
            fixtures(ds);
            MutableClock clock = new MutableClock(NOW);
            JdbcCustomerCatalog withDefault = new JdbcCustomerCatalog(ds, jdbc, "free", ZoneOffset.UTC, clock, Duration.ofSeconds(30));
            JdbcCustomerCatalog noDefault = new JdbcCustomerCatalog(ds, jdbc, null, ZoneOffset.UTC, clock, Duration.ofSeconds(30));

            assertThat(policy(withDefault, "vip", NOW))
                    .isEqualTo(new CustomerPolicy("vip", true, false, "gold", new CustomerLimits(10 * USD, 5, -1, 0)));
            assertThat(policy(withDefault, "plain", NOW))
                    .isEqualTo(new CustomerPolicy("plain", true, false, "free", new CustomerLimits(USD, 2, 100, MAY_2)));
            assertThat(policy(withDefault, "stranger", NOW))
                    .isEqualTo(new CustomerPolicy("stranger", false, false, "free", new CustomerLimits(USD, 2, 100, MAY_2)));
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
        try (TestDatabases.Handle h = TestDatabases.create(kind); JdbcExecutor jdbc = new JdbcExecutor(2)) {
            DataSource ds = h.db().dataSource();
            fixtures(ds);
            MutableClock clock = new MutableClock(NOW);
            JdbcCustomerCatalog catalog = new JdbcCustomerCatalog(ds, jdbc, "free", ZoneOffset.UTC, clock, Duration.ofSeconds(30));

            policy(catalog, "vip", NOW);
            assertThat(catalog.loadCount()).isEqualTo(1);
            CompletableFuture<CustomerPolicy> hit = catalog.policy("vip", NOW.toEpochMilli()).toCompletableFuture();
            assertThat(hit).isCompleted();
            assertThat(hit.join().budgetId()).isEqualTo("gold");
            assertThat(catalog.loadCount()).isEqualTo(1);

            for (int round = 0; round < 3; round++) {
                for (int i = 0; i < 200; i++) {
                    assertThat(policy(catalog, "anon-" + i, NOW).known()).isFalse();
                }
            }
            assertThat(catalog.loadCount()).isEqualTo(1 + 200);

            // The TTL is a safety net: past it, entries load again.
            clock.advance(Duration.ofSeconds(31));
            policy(catalog, "vip", clock.instant());
            assertThat(catalog.loadCount()).isEqualTo(202);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void concurrentMissesOfOneCustomerShareOneLoad(String kind) throws Exception {
        try (TestDatabases.Handle h = TestDatabases.create(kind); JdbcExecutor jdbc = new JdbcExecutor(1)) {
            DataSource ds = h.db().dataSource();
            fixtures(ds);
            JdbcCustomerCatalog catalog = new JdbcCustomerCatalog(ds, jdbc, "free", ZoneOffset.UTC, new MutableClock(NOW),
                    Duration.ofSeconds(30));
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
        try (TestDatabases.Handle h = TestDatabases.create(kind); JdbcExecutor jdbc = new JdbcExecutor(2);
                InvalidationBus bus = new LocalInvalidationBus()) {
            DataSource ds = h.db().dataSource();
            fixtures(ds);
            JdbcCustomerCatalog catalog = JdbcCustomerCatalog.subscribe(bus,
                    new JdbcCustomerCatalog(ds, jdbc, "free", ZoneOffset.UTC, new MutableClock(NOW), Duration.ofMinutes(10)));
            assertThat(policy(catalog, "plain", NOW).budgetId()).isEqualTo("free");
            assertThat(policy(catalog, "vip", NOW).limits().rpmLimit()).isEqualTo(5);

            exec(ds, "UPDATE tg_customer SET budget_id = 'gold', blocked = TRUE WHERE user_id = 'plain'");
            exec(ds, "UPDATE tg_budget SET rpm_limit = 50 WHERE budget_id = 'gold'");
            assertThat(policy(catalog, "plain", NOW).budgetId()).as("cached until invalidated").isEqualTo("free");

            bus.publish("plain");
            CustomerPolicy plain = policy(catalog, "plain", NOW);
            assertThat(plain.budgetId()).isEqualTo("gold");
            assertThat(plain.blocked()).isTrue();
            assertThat(policy(catalog, "vip", NOW).limits().rpmLimit()).as("other entries kept").isEqualTo(5);

            bus.publish(InvalidationBus.ALL);
            assertThat(policy(catalog, "vip", NOW).limits().rpmLimit()).isEqualTo(50);
            assertThat(catalog.loadCount()).isEqualTo(4);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void aPassedPeriodEndIsRolledForwardWithoutIo(String kind) throws Exception {
        try (TestDatabases.Handle h = TestDatabases.create(kind); JdbcExecutor jdbc = new JdbcExecutor(2)) {
            DataSource ds = h.db().dataSource();
            fixtures(ds);
            MutableClock clock = new MutableClock(NOW);
            JdbcCustomerCatalog catalog = new JdbcCustomerCatalog(ds, jdbc, "free", ZoneOffset.UTC, clock, Duration.ofDays(7));
            assertThat(policy(catalog, "plain", NOW).limits().periodEndMs()).isEqualTo(MAY_2);

            clock.set(Instant.ofEpochMilli(MAY_2));
            assertThat(policy(catalog, "plain", clock.instant()).limits().periodEndMs()).isEqualTo(MAY_3);
            clock.set(Instant.parse("2024-05-02T23:59:59Z"));
            assertThat(policy(catalog, "plain", clock.instant()).limits().periodEndMs()).isEqualTo(MAY_3);
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
    void persistedSpendIsReadFreshAndZeroAfterARollover(String kind) throws Exception {
        try (TestDatabases.Handle h = TestDatabases.create(kind); JdbcExecutor jdbc = new JdbcExecutor(2)) {
            DataSource ds = h.db().dataSource();
            fixtures(ds);
            MutableClock clock = new MutableClock(NOW);
            JdbcCustomerCatalog catalog = new JdbcCustomerCatalog(ds, jdbc, "free", ZoneOffset.UTC, clock, Duration.ofSeconds(30));
            JdbcCustomerCatalog noDefault = new JdbcCustomerCatalog(ds, jdbc, null, ZoneOffset.UTC, clock, Duration.ofSeconds(30));

            assertThat(seed(catalog, "plain", NOW)).isEqualTo(new SeedSpend(500, MAY_2));
            exec(ds, "UPDATE tg_customer SET spend_nanos = 700 WHERE user_id = 'plain'");
            assertThat(seed(catalog, "plain", NOW)).as("never cached").isEqualTo(new SeedSpend(700, MAY_2));
            // The period ended and the reset job has not run yet: the stored spend belongs to the old period.
            assertThat(seed(catalog, "plain", Instant.ofEpochMilli(MAY_2 + 1))).isEqualTo(new SeedSpend(0, MAY_3));

            assertThat(seed(catalog, "vip", NOW)).isEqualTo(new SeedSpend(3, 0));
            assertThat(seed(catalog, "stranger", NOW)).isEqualTo(new SeedSpend(0, MAY_2));
            assertThat(seed(noDefault, "stranger", NOW)).isEqualTo(new SeedSpend(0, 0));
            // No budget any more: the row's period still runs, so its spend carries over; after it, it restarts.
            assertThat(seed(noDefault, "plain", NOW)).isEqualTo(new SeedSpend(700, 0));
            assertThat(seed(noDefault, "plain", Instant.ofEpochMilli(MAY_2))).isEqualTo(new SeedSpend(0, 0));
        }
    }

    private static SeedSpend seed(CustomerCatalog catalog, String id, Instant at) {
        return catalog.persistedSpend(id, at.toEpochMilli()).toCompletableFuture().join();
    }
}
