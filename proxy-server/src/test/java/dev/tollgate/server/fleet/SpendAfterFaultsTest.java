package dev.tollgate.server.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.core.limits.redis.RedisLimitStore;
import dev.tollgate.server.TestProxy;
import dev.tollgate.testing.upstream.FakeUpstream;
import dev.tollgate.testing.upstream.FakeUpstreamOptions;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The same load (5 customers, 50 calls a second over two instances, spend flushed every 2 s) under
 * each fault, then the same reconciliation per customer: the sum of the
 * {@code x-litellm-response-cost} headers of the answered calls equals the ledger (PostgreSQL), the
 * enforced figure (Redis, with nothing left pending) and {@code /customer/info}.
 */
@Tag("fault")
class SpendAfterFaultsTest {
    static final int FLUSH_SECONDS = 2;
    static final int RPS_PER_INSTANCE = 25;
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

    /** Five customers: three created through the admin API, two that come into being by calling. */
    static List<String> customers(String name) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            out.add(name + "-" + i);
        }
        return out;
    }

    private void startFleet(List<String> customers) throws Exception {
        fleet = Fleet.start(
                2,
                upstream.baseUrl(),
                redis.url(),
                postgres.url(),
                "redis_command_timeout_ms: 1000\nproxy_batch_write_at: " + FLUSH_SECONDS);
        for (String c : customers.subList(0, 3)) {
            HttpResponse<String> r =
                    fleet.get(0).post("/customer/new", "{\"user_id\":\"" + c + "\",\"max_budget\":1000}");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        }
    }

    private List<Load.Target> targets() {
        return fleet.instances.stream().map(Load.Target::of).toList();
    }

    /** Waits until no instance holds journaled settles, then runs two flush passes everywhere. */
    private void settle() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
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

    private Map<String, SpendFigures> figures(List<String> customers, List<Load.Call> calls) throws Exception {
        try (RedisLimitStore store = RedisLimitStore.connect(redis.url(), Duration.ofSeconds(5), fleet.prefix)) {
            return SpendFigures.read(customers, calls, Map.of(), postgres, store, Load.Target.of(fleet.get(0)));
        }
    }

    /** Cost of a customer's calls answered between two instants (epoch ms). */
    static long answeredBetween(List<Load.Call> calls, String customer, long fromMs, long toMs) {
        return calls.stream()
                .filter(c -> c.ok() && c.customer().equals(customer))
                .filter(c -> c.startMs() + c.latencyMs() >= fromMs && c.startMs() + c.latencyMs() <= toMs)
                .mapToLong(Load.Call::costNanos)
                .sum();
    }

    @Test
    void redisKilledAndRestartedEmptyLosesAtMostTheUnflushedWindowAndEveryFigureAgrees() throws Exception {
        List<String> customers = customers("kill9");
        startFleet(customers);
        long[] killedAt = new long[1];
        CompletableFuture<Void> fault = CompletableFuture.runAsync(() -> {
            try {
                Thread.sleep(8_000);
                killedAt[0] = System.currentTimeMillis();
                redis.stop();
                Thread.sleep(3_000);
                redis.startAgain();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        List<Load.Call> calls = Load.run(targets(), customers, RPS_PER_INSTANCE, Duration.ofSeconds(16));
        fault.get(30, TimeUnit.SECONDS);
        settle();

        Map<String, SpendFigures> figures = figures(customers, calls);
        figures.values().forEach(f -> System.out.println("redis kill -9: " + f));
        assertThat(calls).allSatisfy(c -> assertThat(c.status()).as(c.body()).isEqualTo(200));
        for (SpendFigures f : figures.values()) {
            // Without persistence, Redis takes with it the spend settled since the customer's last
            // flush claim: at most one flush interval (plus the pass itself) before the kill.
            long window =
                    answeredBetween(calls, f.customer(), killedAt[0] - FLUSH_SECONDS * 1000L - 1000, killedAt[0] + 200);
            assertThat(f.headers() - f.ledger()).as(f.toString()).isBetween(0L, window);
            assertThat(f.enforced()).as(f.toString()).isEqualTo(f.ledger());
            assertThat(f.pending()).as(f.toString()).isZero();
            assertThat(f.info()).as(f.toString()).isEqualTo(f.ledger());
        }
    }
}
