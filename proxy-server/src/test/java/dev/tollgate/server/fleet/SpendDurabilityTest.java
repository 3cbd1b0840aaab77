package dev.tollgate.server.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.admin.db.Database;
import dev.tollgate.admin.spend.SpendRepository;
import dev.tollgate.core.limits.PendingBatch;
import dev.tollgate.core.limits.redis.RedisLimitStore;
import dev.tollgate.server.TestProxy;
import dev.tollgate.testing.services.Need;
import dev.tollgate.testing.services.Needs;
import dev.tollgate.testing.upstream.FakeUpstream;
import dev.tollgate.testing.upstream.FakeUpstreamOptions;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Spend reaches PostgreSQL exactly once across a 30 s database outage, racing flushers on three
 * instances, and a flusher that dies between its commit and its acknowledgement. Redis and
 * PostgreSQL are started by the test on free ports.
 */
@Tag("fault")
@Needs({Need.REDIS_SERVER, Need.POSTGRES_SERVER})
class SpendDurabilityTest {
    static FaultServices services;
    static RedisProcess redis;
    static PostgresProcess postgres;
    static FakeUpstream upstream;
    static Fleet fleet;

    @BeforeAll
    static void start() throws Exception {
        services = FaultServices.start(FakeUpstreamOptions.defaults().promptTokens(10));
        redis = services.redis;
        postgres = services.postgres;
        upstream = services.upstream;
        fleet = Fleet.start(3, upstream.baseUrl(), redis.url(), postgres.url(), "redis_command_timeout_ms: 3000");
    }

    @AfterAll
    static void stop() {
        if (fleet != null) {
            fleet.close();
        }
        if (services != null) {
            services.close();
        }
    }

    private static void create(String customer) throws Exception {
        HttpResponse<String> r =
                fleet.get(0).post("/customer/new", "{\"user_id\":\"" + customer + "\",\"max_budget\":1000}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    private static long dbSpend(String customer) throws Exception {
        return postgres.queryLong("SELECT spend_nanos FROM tg_customer WHERE user_id = ?", customer);
    }

    private static long dbRequests(String customer) throws Exception {
        return postgres.queryLong("SELECT SUM(requests) FROM tg_daily_customer_spend WHERE customer_id = ?", customer);
    }

    @Test
    void aThirtySecondDatabaseOutageLosesAndDuplicatesNothing() throws Exception {
        String customer = "pg-outage";
        create(customer);
        assertThat(fleet.get(1)
                        .post("/v1/chat/completions", Fleet.chat(customer))
                        .statusCode())
                .isEqualTo(200);
        assertThat(fleet.get(2)
                        .post("/v1/chat/completions", Fleet.chat(customer))
                        .statusCode())
                .isEqualTo(200);
        long perCall = Fleet.costNanos(fleet.get(0).post("/v1/chat/completions", Fleet.chat(customer)));
        long pendingEarly;
        long pendingLate;
        List<Load.Call> calls;
        try (RedisLimitStore store = RedisLimitStore.connect(redis.url(), Duration.ofSeconds(5), fleet.prefix)) {
            CompletableFuture<long[]> fault = CompletableFuture.supplyAsync(() -> {
                try {
                    Thread.sleep(2_000);
                    postgres.stop();
                    Thread.sleep(5_000);
                    long early =
                            store.pendingNanos(customer).toCompletableFuture().get(5, TimeUnit.SECONDS);
                    Thread.sleep(24_000);
                    long late =
                            store.pendingNanos(customer).toCompletableFuture().get(5, TimeUnit.SECONDS);
                    Thread.sleep(1_000);
                    postgres.startAgain();
                    return new long[] {early, late};
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            calls = Load.run(List.of(fleet.get(0), fleet.get(1)), customer, 10, Duration.ofSeconds(36));
            long[] pending = fault.get(60, TimeUnit.SECONDS);
            pendingEarly = pending[0];
            pendingLate = pending[1];

            // Drains by itself (flush interval 1 s) once the database is back.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < deadline
                    && store.pendingNanos(customer).toCompletableFuture().get() > 0) {
                Thread.sleep(200);
            }
            assertThat(store.pendingNanos(customer).toCompletableFuture().get()).isZero();
        }
        long maxLatency = calls.stream().mapToLong(Load.Call::latencyMs).max().orElse(0);
        System.out.printf(
                "pg-outage: %d calls, %d ok, pending %d then %d nanos, max latency %d ms%n",
                calls.size(), Load.okCount(calls), pendingEarly, pendingLate, maxLatency);
        assertThat(calls).allSatisfy(c -> assertThat(c.status()).as(c.body()).isEqualTo(200));
        assertThat(pendingEarly).isPositive();
        assertThat(pendingLate).isGreaterThan(pendingEarly);
        assertThat(dbSpend(customer)).isEqualTo(Load.okCost(calls) + 3 * perCall);
        assertThat(dbRequests(customer)).isEqualTo(Load.okCount(calls) + 3);
    }

    @Test
    void racingFlushersAndAFlusherThatDiesAfterCommitCountNothingTwice() throws Exception {
        String customer = "flush-race";
        create(customer);
        List<Long> costs = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            HttpResponse<String> r = fleet.get(i % 3).post("/v1/chat/completions", Fleet.chat(customer));
            assertThat(r.statusCode()).isEqualTo(200);
            costs.add(Fleet.costNanos(r));
        }
        // A flusher claims the batch, commits it, and dies before acknowledging it. (The fleet's own
        // flushers run every second and may have claimed or even applied the very same batch
        // first; the claim then hands out that batch again, which is exactly the replay case.)
        try (RedisLimitStore store = RedisLimitStore.connect(redis.url(), Duration.ofSeconds(5), fleet.prefix);
                Database db = Database.open(postgres.url(), Files.createTempDirectory("tg-db-"), 2)) {
            PendingBatch batch =
                    store.claimPending(customer).toCompletableFuture().get();
            if (!batch.isEmpty()) {
                new SpendRepository(db.dataSource()).applyBatch(batch, System.currentTimeMillis());
            }
        }
        fleet.flushAll(); // re-claims the unacknowledged batch: the database says "applied", nothing is added
        long afterDeadFlusher = dbSpend(customer);
        assertThat(afterDeadFlusher)
                .isEqualTo(costs.stream().mapToLong(Long::longValue).sum());

        // More calls while all three instances flush in a tight loop, racing for the same customer.
        AtomicBoolean racing = new AtomicBoolean(true);
        List<CompletableFuture<Void>> racers = new ArrayList<>();
        for (TestProxy p : fleet.instances) {
            racers.add(CompletableFuture.runAsync(() -> {
                while (racing.get()) {
                    try {
                        p.server().flusher().flushNow().get(30, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }
            }));
        }
        List<Load.Call> calls;
        try {
            calls = Load.run(fleet.instances, customer, 15, Duration.ofSeconds(4));
        } finally {
            racing.set(false);
            for (CompletableFuture<Void> r : racers) {
                r.get(60, TimeUnit.SECONDS);
            }
        }
        fleet.flushAll();
        assertThat(calls).allSatisfy(c -> assertThat(c.status()).isEqualTo(200));
        assertThat(dbSpend(customer)).isEqualTo(afterDeadFlusher + Load.okCost(calls));
        assertThat(dbRequests(customer)).isEqualTo(9 + Load.okCount(calls));
        assertThat(postgres.queryLong("SELECT COUNT(*) FROM tg_spend_batch WHERE customer_id = ?", customer))
                .isPositive();
    }
}
