package dev.tollgate.admin.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.admin.catalog.CustomerCatalog.Ledger;
import dev.tollgate.admin.db.JdbcExecutor;
import dev.tollgate.admin.db.TestDatabases;
import dev.tollgate.core.limits.CustomerLimits;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import javax.sql.DataSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The directory of known customers keeps never-seen callers off the database. */
class CustomerDirectoryTest {
    private static final Instant NOW = Instant.parse("2024-05-01T10:00:00Z");
    private static final long MAY_2 = Instant.parse("2024-05-02T00:00:00Z").toEpochMilli();
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

    private static void insertCustomer(DataSource ds, String id, String budget, long spend, long createdAt)
            throws SQLException {
        exec(
                ds,
                "INSERT INTO tg_customer (user_id, budget_id, spend_nanos, spend_period_end, blocked, created_at, updated_at) "
                        + "VALUES (?, ?, ?, ?, FALSE, ?, ?)",
                id,
                budget,
                spend,
                MAY_2,
                createdAt,
                createdAt);
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void unknownCallersCostNoDatabaseAccessKnownOnesStillLoad(String kind) throws Exception {
        try (TestDatabases.Handle h = TestDatabases.create(kind);
                JdbcExecutor jdbc = new JdbcExecutor(2)) {
            DataSource ds = h.db().dataSource();
            String budget =
                    "INSERT INTO tg_budget (budget_id, max_budget_nanos, rpm_limit, tpm_limit, budget_duration, budget_reset_at, "
                            + "created_at, created_by, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, 0, 't', 0, 't')";
            exec(ds, budget, "free", USD, 2L, 100L, "1d", MAY_2);
            exec(ds, budget, "gold", 10 * USD, 5L, null, null, null);
            insertCustomer(ds, "vip", "gold", 7L, 0L);
            MutableClock clock = new MutableClock(NOW);
            JdbcCustomerCatalog catalog =
                    new JdbcCustomerCatalog(ds, jdbc, "free", ZoneOffset.UTC, clock, Duration.ofSeconds(30));
            try {
                catalog.startCustomerDirectory(Duration.ofHours(1));
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (!catalog.customerDirectoryReady() && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                assertThat(catalog.customerDirectoryReady()).isTrue();
                long before = catalog.loadCount();

                for (int i = 0; i < 1_000; i++) {
                    CustomerPolicy p = catalog.policy("new-" + i, NOW.toEpochMilli())
                            .toCompletableFuture()
                            .join();
                    assertThat(p)
                            .isEqualTo(new CustomerPolicy(
                                    "new-" + i, false, false, "free", new CustomerLimits(USD, 2, 100, MAY_2)));
                }
                assertThat(catalog.ledger("new-0", null, NOW.toEpochMilli())
                                .toCompletableFuture()
                                .join())
                        .isEqualTo(new Ledger(0, MAY_2, false));
                // One load of the shared default policy, none per caller, and no cache entry per caller.
                assertThat(catalog.loadCount() - before).isEqualTo(1);
                assertThat(catalog.size()).isZero();

                // A customer in the database when the directory loaded still gets its own row.
                assertThat(catalog.policy("vip", NOW.toEpochMilli())
                                .toCompletableFuture()
                                .join()
                                .limits())
                        .isEqualTo(new CustomerLimits(10 * USD, 5, -1, 0));
                assertThat(catalog.ledger("vip", null, NOW.toEpochMilli())
                                .toCompletableFuture()
                                .join()
                                .spentNanos())
                        .isEqualTo(7);

                // A row created after the load (another instance's flusher) is known after the next sync;
                // its ledger counts at once, since a seed or reconciliation must never read it as empty.
                insertCustomer(
                        ds,
                        "late",
                        "gold",
                        11L,
                        System.currentTimeMillis()); // stamped by the writer's clock, as the flusher does
                assertThat(catalog.policy("late", NOW.toEpochMilli())
                                .toCompletableFuture()
                                .join()
                                .known())
                        .isFalse();
                assertThat(catalog.ledger("late", null, NOW.toEpochMilli())
                                .toCompletableFuture()
                                .join()
                                .spentNanos())
                        .isEqualTo(11);
                syncNow(catalog);
                assertThat(catalog.policy("late", NOW.toEpochMilli())
                                .toCompletableFuture()
                                .join()
                                .known())
                        .isTrue();

                // An admin write announced on the bus makes the id known at once, before any sync.
                insertCustomer(ds, "created-by-admin", "gold", 0L, NOW.toEpochMilli());
                catalog.invalidate("created-by-admin");
                assertThat(catalog.policy("created-by-admin", NOW.toEpochMilli())
                                .toCompletableFuture()
                                .join()
                                .budgetId())
                        .isEqualTo("gold");

                // A change of the default budget reaches unknown callers after invalidateAll.
                exec(ds, "UPDATE tg_budget SET rpm_limit = 9 WHERE budget_id = 'free'");
                catalog.invalidateAll();
                assertThat(catalog.policy("new-x", NOW.toEpochMilli())
                                .toCompletableFuture()
                                .join()
                                .limits()
                                .rpmLimit())
                        .isEqualTo(9);
            } finally {
                catalog.close();
            }
        }
    }

    private static void syncNow(JdbcCustomerCatalog catalog) throws Exception {
        var field = JdbcCustomerCatalog.class.getDeclaredField("known");
        field.setAccessible(true);
        ((KnownCustomers) field.get(catalog)).sync();
    }
}
