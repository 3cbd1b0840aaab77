package dev.tollgate.server.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.core.limits.SettleBatcher;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Three instances folding their settles ({@code settle_batch_ms}) still admit exactly
 * {@code rpm_limit} calls of a minute (admission is per call), and persist exactly the sum of the
 * answered calls' costs, each call once.
 */
@Tag("fault")
@Needs({Need.REDIS_SERVER, Need.POSTGRES_SERVER})
class FleetSettleBatchTest {
    static FaultServices services;
    static FakeUpstream upstream;
    static Fleet fleet;

    @BeforeAll
    static void start() throws Exception {
        services = FaultServices.start(FakeUpstreamOptions.defaults().promptTokens(10));
        upstream = services.upstream;
        fleet = Fleet.start(
                3,
                upstream.baseUrl(),
                services.redis.url(),
                services.postgres.url(),
                "redis_command_timeout_ms: 3000\nsettle_batch_ms: 20");
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
    void foldedSettlesKeepTheWindowExactAndCountEveryCallOnce() throws Exception {
        String customer = "fleet-batch";
        HttpResponse<String> created = fleet.get(0)
                .post("/customer/new", "{\"user_id\":\"" + customer + "\",\"rpm_limit\":30,\"max_budget\":1000}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
        FleetLimitsTest.awaitRoomInMinute(15_000);

        int calls = 45;
        List<HttpResponse<String>> responses = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(9);
        try {
            List<Future<HttpResponse<String>>> fs = new ArrayList<>();
            for (int i = 0; i < calls; i++) {
                TestProxy instance = fleet.get(i % 3);
                fs.add(pool.submit(() -> instance.post("/v1/chat/completions", Fleet.chat(customer))));
            }
            for (Future<HttpResponse<String>> f : fs) {
                responses.add(f.get(60, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(responses.stream().filter(r -> r.statusCode() == 200)).hasSize(30);
        assertThat(responses.stream().filter(r -> r.statusCode() == 429)).hasSize(15);
        long expected = responses.stream()
                .filter(r -> r.statusCode() == 200)
                .mapToLong(Fleet::costNanos)
                .sum();

        fleet.flushAll();
        assertThat(services.postgres.queryLong("SELECT spend_nanos FROM tg_customer WHERE user_id = ?", customer))
                .isEqualTo(expected);
        assertThat(services.postgres.queryLong(
                        "SELECT SUM(requests) FROM tg_daily_customer_spend WHERE customer_id = ?", customer))
                .isEqualTo(30);
        long folded = 0;
        long batches = 0;
        for (TestProxy p : fleet.instances) {
            SettleBatcher b = p.server().settleBatches();
            folded += b.settles();
            batches += b.batches();
            assertThat(b.bufferedNanos()).isZero();
        }
        assertThat(folded)
                .as("every answered call's settle went through a batch")
                .isEqualTo(30);
        assertThat(batches).isBetween(1L, 30L);
        assertThat(fleet.get(0).get("/metrics").body())
                .contains("tollgate_settle_batches_total")
                .contains("tollgate_settle_batched_calls_total")
                .contains("tollgate_settle_batch_buffered_usd");
    }
}
