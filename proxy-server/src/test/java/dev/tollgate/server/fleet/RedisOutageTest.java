package dev.tollgate.server.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.server.TestProxy;
import dev.tollgate.testing.services.Need;
import dev.tollgate.testing.services.Needs;
import dev.tollgate.testing.upstream.FakeUpstream;
import dev.tollgate.testing.upstream.FakeUpstreamOptions;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Redis faults under steady load on two instances sharing a Redis and a PostgreSQL that this
 * test starts on free ports. The Redis "outage" freezes the server (SIGSTOP) for 5 s: commands
 * hang and time out, the harshest case, since commands sent before the freeze still execute
 * when it thaws (a timed-out settle may have been applied after all).
 */
@Tag("fault")
@Needs({Need.REDIS_SERVER, Need.POSTGRES_SERVER})
class RedisOutageTest {
    static final long COMMAND_TIMEOUT_MS = 250;
    /** Lettuce's default would be 60 s per command; we allow the timeout plus scheduling noise. */
    static final long LATENCY_BOUND_MS = COMMAND_TIMEOUT_MS + 1_250;

    static FaultServices services;
    static RedisProcess redis;
    static PostgresProcess postgres;
    static FakeUpstream upstream;
    Fleet fleet;

    @BeforeAll
    static void start() throws Exception {
        services = FaultServices.start(FakeUpstreamOptions.defaults().promptTokens(10));
        redis = services.redis;
        postgres = services.postgres;
        upstream = services.upstream;
    }

    @AfterEach
    void closeFleet() {
        if (fleet != null) {
            fleet.close();
        }
    }

    @AfterAll
    static void stop() {
        if (services != null) {
            services.close();
        }
    }

    private void startFleet(String extra) throws Exception {
        fleet = Fleet.start(2, upstream.baseUrl(), redis.url(), postgres.url(), extra);
    }

    private static void createCustomer(TestProxy p, String customer, String budget) throws Exception {
        HttpResponse<String> r =
                p.post("/customer/new", "{\"user_id\":\"" + customer + "\",\"max_budget\":" + budget + "}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    /** Runs the load while freezing Redis from 2 s to 7 s; returns the calls. */
    private List<Load.Call> loadWithFrozenRedis(String customer) throws Exception {
        // Warm up both instances (catalogue cache, account seeded, scripts loaded).
        for (int i = 0; i < 2; i++) {
            assertThat(fleet.get(i)
                            .post("/v1/chat/completions", Fleet.chat(customer))
                            .statusCode())
                    .isEqualTo(200);
        }
        CompletableFuture<Void> fault = CompletableFuture.runAsync(() -> {
            try {
                Thread.sleep(2_000);
                redis.freeze();
                Thread.sleep(5_000);
                redis.thaw();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        List<Load.Call> calls = Load.run(fleet.instances, customer, 20, Duration.ofSeconds(9));
        fault.get(30, TimeUnit.SECONDS);
        return calls;
    }

    private void awaitJournalsEmptyAndFlush() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline
                && fleet.instances.stream().anyMatch(p -> p.server().journal().size() > 0)) {
            Thread.sleep(100);
        }
        for (TestProxy p : fleet.instances) {
            assertThat(p.server().journal().size()).isZero();
        }
        fleet.flushAll();
        fleet.flushAll();
    }

    private long journaled() {
        return fleet.instances.stream()
                .mapToLong(p -> p.server().journal().journaled())
                .sum();
    }

    @Test
    void failOpenKeepsServingAndLosesNoSpend() throws Exception {
        startFleet("");
        String customer = "outage-open";
        createCustomer(fleet.get(0), customer, "1000");
        List<Load.Call> calls = loadWithFrozenRedis(customer);
        awaitJournalsEmptyAndFlush();

        long okCost = Load.okCost(calls);
        long ok = Load.okCount(calls);
        long during = calls.size();
        long maxLatency = calls.stream().mapToLong(Load.Call::latencyMs).max().orElse(0);
        System.out.printf(
                "fail-open: %d calls, %d ok, max latency %d ms, journaled %d, persisted %d%n",
                calls.size(),
                ok,
                maxLatency,
                journaled(),
                fleet.instances.stream()
                        .mapToLong(p -> p.server().journal().persistedEntries())
                        .sum());

        assertThat(calls).allSatisfy(c -> assertThat(c.status()).as(c.body()).isEqualTo(200));
        assertThat(during).isGreaterThan(250);
        // No call hangs on the dead Redis: admission gives up after the command timeout (one
        // Redis call); the margin absorbs two shared, busy CI cores.
        assertThat(maxLatency).isLessThan(LATENCY_BOUND_MS);
        assertThat(journaled()).isPositive();

        long requests =
                postgres.queryLong("SELECT SUM(requests) FROM tg_daily_customer_spend WHERE customer_id = ?", customer);
        long spend = postgres.queryLong("SELECT spend_nanos FROM tg_customer WHERE user_id = ?", customer);
        long perCall = calls.get(0).costNanos();
        assertThat(calls).allSatisfy(c -> assertThat(c.costNanos()).isEqualTo(perCall));
        assertThat(requests).isEqualTo(ok + 2); // + the two warm-up calls
        assertThat(spend).isEqualTo(okCost + 2 * perCall);
        assertThat(postgres.queryLong(
                        "SELECT SUM(spend_nanos) FROM tg_daily_customer_spend WHERE customer_id = ?", customer))
                .isEqualTo(spend);
    }

    @Test
    void foldedSettlesThatRedisDidNotConfirmAreJournaledWholeAndCountOnce() throws Exception {
        startFleet("settle_batch_ms: 20");
        String customer = "outage-folded";
        createCustomer(fleet.get(0), customer, "1000");
        List<Load.Call> calls = loadWithFrozenRedis(customer);
        awaitJournalsEmptyAndFlush();

        assertThat(calls).allSatisfy(c -> assertThat(c.status()).as(c.body()).isEqualTo(200));
        assertThat(journaled())
                .as("batches went to the journal while Redis was frozen")
                .isPositive();
        long ok = Load.okCount(calls);
        long perCall = calls.get(0).costNanos();
        assertThat(postgres.queryLong(
                        "SELECT SUM(requests) FROM tg_daily_customer_spend WHERE customer_id = ?", customer))
                .isEqualTo(ok + 2);
        assertThat(postgres.queryLong("SELECT spend_nanos FROM tg_customer WHERE user_id = ?", customer))
                .isEqualTo(Load.okCost(calls) + 2 * perCall);
        long batched = fleet.instances.stream()
                .mapToLong(p -> p.server().settleBatches().settles())
                .sum();
        assertThat(batched).isEqualTo(ok + 2);
    }

    @Test
    void failClosedAnswers503WithRetryAfterAndChargesEveryForwardedCall() throws Exception {
        startFleet("fail_open: false");
        String customer = "outage-closed";
        createCustomer(fleet.get(0), customer, "1000");
        int upstreamBefore = upstream.requestCount();
        List<Load.Call> calls = loadWithFrozenRedis(customer);
        awaitJournalsEmptyAndFlush();

        long ok = Load.okCount(calls);
        long refused = calls.stream().filter(c -> c.status() == 503).count();
        long maxLatency = calls.stream().mapToLong(Load.Call::latencyMs).max().orElse(0);
        System.out.printf(
                "fail-closed: %d calls, %d ok, %d x 503, max latency %d ms, journaled %d%n",
                calls.size(), ok, refused, maxLatency, journaled());

        assertThat(calls).allSatisfy(c -> assertThat(c.status()).as(c.body()).isIn(200, 503));
        assertThat(refused).isGreaterThan(10); // sequential clients: each refusal waits one command timeout
        assertThat(calls.stream().filter(c -> c.status() == 503))
                .allSatisfy(c -> assertThat(c.retryAfter()).isNotNull());
        assertThat(maxLatency).isLessThan(LATENCY_BOUND_MS);
        // Only admitted calls reached the provider, and every one of them is charged once.
        assertThat(upstream.requestCount() - upstreamBefore).isEqualTo(ok + 2);
        long perCall =
                calls.stream().filter(Load.Call::ok).findFirst().orElseThrow().costNanos();
        assertThat(postgres.queryLong(
                        "SELECT SUM(requests) FROM tg_daily_customer_spend WHERE customer_id = ?", customer))
                .isEqualTo(ok + 2);
        assertThat(postgres.queryLong("SELECT spend_nanos FROM tg_customer WHERE user_id = ?", customer))
                .isEqualTo(Load.okCost(calls) + 2 * perCall);
    }

    @Test
    void aRedisRestartedEmptyIsReseededSoACustomerAt95PercentStaysThere() throws Exception {
        startFleet("redis_command_timeout_ms: 3000");
        String customer = "restart-95";
        // Learn the exact cost of one call, then give the customer a budget of exactly 20 calls.
        createCustomer(fleet.get(0), customer, "1000");
        HttpResponse<String> probe = fleet.get(0).post("/v1/chat/completions", Fleet.chat(customer));
        long perCall = Fleet.costNanos(probe);
        String budget = BigDecimal.valueOf(20 * perCall).movePointLeft(9).toPlainString();
        assertThat(fleet.get(0)
                        .post("/customer/update", "{\"user_id\":\"" + customer + "\",\"max_budget\":" + budget + "}")
                        .statusCode())
                .isEqualTo(200);
        for (int i = 1; i < 19; i++) {
            HttpResponse<String> r = fleet.get(i % 2).post("/v1/chat/completions", Fleet.chat(customer));
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        }
        fleet.flushAll();
        assertThat(postgres.queryLong("SELECT spend_nanos FROM tg_customer WHERE user_id = ?", customer))
                .isEqualTo(19 * perCall);

        int clientsBefore = connectedClients();
        redis.stop();
        redis.startAgain();
        assertThat(redis.cli("dbsize")).isEqualTo("0");
        // Lettuce reconnects in the background; until every instance is back, fail-open would
        // admit the probe calls unchecked and the test would measure the outage, not the re-seed.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (connectedClients() < clientsBefore && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(connectedClients())
                .as("instances reconnected to the restarted Redis")
                .isGreaterThanOrEqualTo(clientsBefore);

        // 19 of 20 calls' worth spent (95 %): exactly one more call fits, on whichever instance.
        HttpResponse<String> last = fleet.get(1).post("/v1/chat/completions", Fleet.chat(customer));
        assertThat(last.statusCode()).as(last.body()).isEqualTo(200);
        HttpResponse<String> over = fleet.get(0).post("/v1/chat/completions", Fleet.chat(customer));
        assertThat(over.statusCode()).as(over.body()).isEqualTo(400);
        assertThat(over.body()).contains("ExceededBudget");
        fleet.flushAll();
        assertThat(postgres.queryLong("SELECT spend_nanos FROM tg_customer WHERE user_id = ?", customer))
                .isEqualTo(20 * perCall);
    }

    @Test
    void scriptFlushDuringLoadFailsNoCall() throws Exception {
        startFleet("redis_command_timeout_ms: 3000");
        String customer = "script-flush";
        createCustomer(fleet.get(0), customer, "1000");
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger flushes = new AtomicInteger();
        CompletableFuture<Void> flusher = CompletableFuture.runAsync(() -> {
            while (running.get()) {
                try {
                    if (redis.cli("script", "flush").equals("OK")) {
                        flushes.incrementAndGet();
                    }
                    Thread.sleep(50);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        });
        // Load runs until more than 20 flushes happened under it: each flush spawns redis-cli, which
        // on a busy machine takes far longer than the 50 ms pause, so a fixed window is not enough.
        List<Load.Call> calls = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        try {
            do {
                calls.addAll(Load.run(fleet.instances, customer, 20, Duration.ofSeconds(2)));
            } while (flushes.get() <= 20 && System.nanoTime() < deadline);
        } finally {
            running.set(false);
            flusher.get(30, TimeUnit.SECONDS);
        }
        assertThat(flushes.get()).isGreaterThan(20);
        assertThat(calls).allSatisfy(c -> assertThat(c.status()).as(c.body()).isEqualTo(200));
        fleet.flushAll();
        assertThat(postgres.queryLong("SELECT spend_nanos FROM tg_customer WHERE user_id = ?", customer))
                .isEqualTo(Load.okCost(calls));
        assertThat(fleet.instances.stream()
                        .mapToLong(p -> p.server().journal().journaled())
                        .sum())
                .isZero();
    }

    /** Client connections Redis sees, not counting the redis-cli asking. */
    private int connectedClients() throws Exception {
        String info = redis.cli("info", "clients");
        for (String line : info.split("\\R")) {
            if (line.startsWith("connected_clients:")) {
                return Integer.parseInt(
                                line.substring("connected_clients:".length()).trim())
                        - 1;
            }
        }
        throw new IllegalStateException("no connected_clients in INFO: " + info);
    }
}
