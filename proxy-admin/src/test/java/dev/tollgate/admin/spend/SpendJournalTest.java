package dev.tollgate.admin.spend;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.admin.catalog.JdbcCustomerCatalog;
import dev.tollgate.admin.db.JdbcExecutor;
import dev.tollgate.admin.db.TestDatabases;
import dev.tollgate.admin.reconcile.SpendReconciler;
import dev.tollgate.core.limits.LimitStore;
import dev.tollgate.core.limits.SettleRequest;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The journal of settles the limit store did not confirm, against a real database and store. */
class SpendJournalTest {
    private static final long NOW = System.currentTimeMillis();

    /** The store, with settles failing while {@code down} is set (the rest is the real store). */
    private static LimitStore settlesFailWhile(LimitStore store, AtomicBoolean down) {
        return (LimitStore) Proxy.newProxyInstance(
                LimitStore.class.getClassLoader(), new Class<?>[] {LimitStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("settle") && down.get()) {
                        return CompletableFuture.failedFuture(new IllegalStateException("store unreachable"));
                    }
                    try {
                        return method.invoke(store, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @ParameterizedTest
    @CsvSource({"h2, inprocess", "postgres, redis"})
    void aPersistedSettleReplayedOntoAnAccountReseededFromTheDatabaseIsCountedOnce(String db, String storeKind)
            throws Exception {
        try (TestDatabases.Handle h = TestDatabases.create(db);
                TestStores.Handle stores = TestStores.create(storeKind);
                JdbcExecutor jdbc = new JdbcExecutor(2)) {
            LimitStore real = stores.store();
            AtomicBoolean down = new AtomicBoolean(true);
            LimitStore store = settlesFailWhile(real, down);
            JdbcCustomerCatalog catalog = new JdbcCustomerCatalog(
                    h.db().dataSource(), jdbc, null, ZoneOffset.UTC, Clock.systemUTC(), Duration.ofSeconds(30));
            SpendRepository repo = new SpendRepository(h.db().dataSource());
            try (SpendReconciler reconciler =
                            new SpendReconciler(catalog, real, Duration.ofHours(1), Clock.systemUTC());
                    SpendJournal journal = new SpendJournal(
                            store, repo, reconciler, 1_000, Duration.ofHours(1), Duration.ZERO, Clock.systemUTC())) {
                journal.add(
                        SettleRequest.builder()
                                .customerId("zoe")
                                .windowStartMs(NOW - NOW % 60_000)
                                .costNanos(70)
                                .day("2024-05-01")
                                .model("m")
                                .promptTokens(1)
                                .completionTokens(1)
                                .success(true)
                                .settleId("sid-1")
                                .requests(1)
                                .successfulRequests(1)
                                .build(),
                        0);
                // The store is away: the settle goes straight to the database.
                assertThat(journal.drainNow().get(10, TimeUnit.SECONDS)).isEqualTo(1);
                assertThat(repo.persistedSpend("zoe")).isEqualTo(70);

                // The store comes back empty and the account is seeded from the database (70) ...
                reconciler.seed("zoe", NOW).toCompletableFuture().get(10, TimeUnit.SECONDS);
                assertThat(real.snapshot("zoe").toCompletableFuture().get().spentNanos())
                        .isEqualTo(70);
                // ... before the journal replays the settle's counters, which add 70 once more.
                down.set(false);
                assertThat(journal.drainNow().get(10, TimeUnit.SECONDS)).isZero();

                assertThat(journal.replayed()).isEqualTo(1);
                assertThat(real.snapshot("zoe").toCompletableFuture().get().spentNanos())
                        .as("reconciled after the replay")
                        .isEqualTo(70);
                assertThat(reconciler.customersRepaired()).isEqualTo(1);
                assertThat(repo.persistedSpend("zoe")).isEqualTo(70);
            }
        }
    }
}
