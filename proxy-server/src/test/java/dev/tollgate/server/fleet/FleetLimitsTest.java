package dev.tollgate.server.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.server.TestProxy;
import dev.tollgate.testing.services.Need;
import dev.tollgate.testing.services.Needs;
import dev.tollgate.testing.upstream.FakeUpstream;
import dev.tollgate.testing.upstream.FakeUpstreamOptions;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Three instances on three ports sharing one Redis and one PostgreSQL (both started by the test
 * on free ports) enforce one RPM window per customer, persist exactly the sum of the per-call
 * costs, and apply an admin change made through one instance on all of them within 1 s.
 */
@Tag("fault")
@Needs({Need.REDIS_SERVER, Need.POSTGRES_SERVER})
class FleetLimitsTest {
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
        // A generous command timeout: this test is about one window, not about a slow Redis (two
        // shared cores can stall a cold JVM past the 250 ms default, and fail-open would admit).
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

    @Test
    void oneRpmWindowAcrossTheFleetAndExactSpend() throws Exception {
        String customer = "fleet-rpm";
        HttpResponse<String> created = fleet.get(0)
                .post("/customer/new", "{\"user_id\":\"" + customer + "\",\"rpm_limit\":30,\"max_budget\":1000}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
        awaitRoomInMinute(15_000);

        int calls = 45;
        AtomicInteger next = new AtomicInteger();
        List<HttpResponse<String>> responses = new ArrayList<>();
        int[] admittedPerInstance = new int[3];
        ExecutorService pool = Executors.newFixedThreadPool(9);
        try {
            List<Future<HttpResponse<String>>> fs = new ArrayList<>();
            List<Integer> target = new ArrayList<>();
            for (int i = 0; i < calls; i++) {
                int instance = next.getAndIncrement() % 3; // round-robin
                target.add(instance);
                fs.add(pool.submit(() -> fleet.get(instance).post("/v1/chat/completions", Fleet.chat(customer))));
            }
            for (int i = 0; i < calls; i++) {
                HttpResponse<String> r = fs.get(i).get(60, TimeUnit.SECONDS);
                responses.add(r);
                if (r.statusCode() == 200) {
                    admittedPerInstance[target.get(i)]++;
                }
            }
        } finally {
            pool.shutdownNow();
        }
        long ok = responses.stream().filter(r -> r.statusCode() == 200).count();
        long limited = responses.stream().filter(r -> r.statusCode() == 429).count();
        assertThat(ok).isEqualTo(30);
        assertThat(limited).isEqualTo(15);
        assertThat(admittedPerInstance).doesNotContain(0);
        for (HttpResponse<String> r : responses) {
            if (r.statusCode() == 429) {
                assertThat(r.body()).contains("Rate limit");
                assertThat(r.headers().firstValue("retry-after")).isPresent();
                assertThat(r.headers().firstValue("retry-after-ms")).isPresent();
            }
        }
        long expected = responses.stream()
                .filter(r -> r.statusCode() == 200)
                .mapToLong(Fleet::costNanos)
                .sum();
        assertThat(expected).isPositive();

        fleet.flushAll();
        assertThat(postgres.queryLong("SELECT spend_nanos FROM tg_customer WHERE user_id = ?", customer))
                .isEqualTo(expected);
        assertThat(postgres.queryLong(
                        "SELECT SUM(requests) FROM tg_daily_customer_spend WHERE customer_id = ?", customer))
                .isEqualTo(30);
        assertThat(postgres.queryLong(
                        "SELECT SUM(spend_nanos) FROM tg_daily_customer_spend WHERE customer_id = ?", customer))
                .isEqualTo(expected);
        assertThat(upstream.requestCount()).isGreaterThanOrEqualTo(30);
    }

    @Test
    void anAdminChangeThroughOneInstanceIsEnforcedByAllWithinOneSecond() throws Exception {
        String customer = "fleet-admin";
        assertThat(fleet.get(0)
                        .post("/customer/new", "{\"user_id\":\"" + customer + "\",\"max_budget\":1000}")
                        .statusCode())
                .isEqualTo(200);
        // Every instance caches the customer's policy.
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> r = fleet.get(i).post("/v1/chat/completions", Fleet.chat(customer));
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        }

        HttpResponse<String> update =
                fleet.get(0).post("/customer/update", "{\"user_id\":\"" + customer + "\",\"max_budget\":0}");
        assertThat(update.statusCode()).as(update.body()).isEqualTo(200);
        long changed = System.nanoTime();
        for (int i = 1; i < 3; i++) {
            long refusedAfterMs = untilRefused(fleet.get(i), customer, changed);
            assertThat(refusedAfterMs)
                    .as("instance %d refused after %d ms", i, refusedAfterMs)
                    .isLessThan(1_000);
        }

        HttpResponse<String> block = fleet.get(2).post("/customer/block", "{\"user_ids\":[\"" + customer + "\"]}");
        assertThat(block.statusCode()).as(block.body()).isEqualTo(200);
        long blocked = System.nanoTime();
        for (int i = 0; i < 2; i++) {
            TestProxy p = fleet.get(i);
            long deadline = blocked + TimeUnit.SECONDS.toNanos(1);
            String body = "";
            while (System.nanoTime() < deadline) {
                body = p.post("/v1/chat/completions", Fleet.chat(customer)).body();
                if (body.contains("blocked")) {
                    break;
                }
                Thread.sleep(20);
            }
            assertThat(body).as("instance %d sees the block within 1 s", i).contains("blocked");
        }
    }

    /** Calls until a refusal; returns ms since {@code sinceNanos}; bounded to 3 s. */
    private static long untilRefused(TestProxy p, String customer, long sinceNanos) throws Exception {
        long deadline = sinceNanos + TimeUnit.SECONDS.toNanos(3);
        while (System.nanoTime() < deadline) {
            HttpResponse<String> r = p.post("/v1/chat/completions", Fleet.chat(customer));
            if (r.statusCode() != 200) {
                assertThat(r.body()).contains("budget");
                return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sinceNanos);
            }
            Thread.sleep(20);
        }
        return Long.MAX_VALUE;
    }

    /** Waits (at most ~{@code needMs}) until the current clock minute has {@code needMs} left. */
    static void awaitRoomInMinute(long needMs) throws InterruptedException {
        long left = 60_000 - System.currentTimeMillis() % 60_000;
        if (left < needMs) {
            Thread.sleep(left + 50);
        }
    }
}
