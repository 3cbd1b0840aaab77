package dev.tollgate.server.budget;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.server.TestProxy;
import dev.tollgate.server.proxy.RawHttp;
import dev.tollgate.testing.LeakGuard;
import dev.tollgate.testing.upstream.FakeFailure;
import dev.tollgate.testing.upstream.FakeUpstream;
import dev.tollgate.testing.upstream.FakeUpstreamOptions;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code max_parallel_requests}: at most N calls of a customer in flight, a stream counting until
 * its end; the slot comes back on success, upstream error, timeout and client disconnect; one
 * limit across two instances sharing Redis.
 */
class ParallelRequestsTest {
    static {
        LeakGuard.install();
    }

    /** Ten chunks 300 ms apart: a stream stays in flight for about 3 s. */
    static FakeUpstream upstream;

    @BeforeAll
    static void startUpstream() {
        upstream =
                FakeUpstream.start(FakeUpstreamOptions.defaults().chunkCount(10).chunkInterval(Duration.ofMillis(300)));
    }

    @AfterAll
    static void stop() throws Exception {
        upstream.close();
        LeakGuard.assertNoLeaks();
    }

    private static String config() {
        return "model_list:\n" + Configs.upstreamModel("slow", upstream.baseUrl())
                + "  - model_name: slow-timeout\n"
                + "    litellm_params: {model: openai/gpt-4o, api_base: \"" + upstream.baseUrl()
                + "\", api_key: sk-upstream, timeout: 1}\n"
                + "    model_info: {input_cost_per_token: 0.000002, output_cost_per_token: 0.000004}\n"
                + "general_settings:\n  master_key: " + Api.KEY + "\n";
    }

    private static String stream(String model, String user) {
        return "{\"model\":\"" + model + "\",\"user\":\"" + user + "\",\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"count slowly\"}]}";
    }

    private static HttpResponse<String> call(Api api, String model, String user) throws Exception {
        return api.post("/v1/chat/completions", stream(model, user));
    }

    private static void assertRefusedForParallelism(HttpResponse<String> r, String user) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(429);
        assertThat(Api.JSON.readTree(r.body()).get("error").get("message").asText())
                .startsWith("Max parallel request limit reached Hit limit for end_user: " + user + ".")
                .contains("max_parallel_requests: 2");
        assertThat(r.headers().firstValue("retry-after")).contains("1");
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Mode.class)
    void twoOfTenSlowStreamsRunAndEveryWayOfEndingGivesTheSlotBack(Mode mode) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(10);
        try (Backend backend = Backend.create(mode);
                TestProxy proxy = backend.start(config())) {
            Api api = new Api(proxy);
            api.ok("/customer/new", "{\"user_id\": \"par-2\", \"max_parallel_requests\": 2}");
            api.ok("/customer/new", "{\"user_id\": \"par-1\", \"max_parallel_requests\": 1}");
            upstream.reset();

            // Two streams take the two slots; while they run, eight more are refused at once.
            List<Future<HttpResponse<String>>> running = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                running.add(pool.submit(() -> call(api, "slow", "par-2")));
            }
            assertThat(upstream.awaitRequests(2, Duration.ofSeconds(20))).isTrue();
            List<Future<HttpResponse<String>>> extra = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                extra.add(pool.submit(() -> call(api, "slow", "par-2")));
            }
            for (Future<HttpResponse<String>> f : extra) {
                assertRefusedForParallelism(f.get(), "par-2");
            }
            assertThat(upstream.requestCount()).isEqualTo(2);
            assertThat(api.info("par-2").get("in_flight").asLong()).isEqualTo(2);
            for (Future<HttpResponse<String>> f : running) {
                HttpResponse<String> r = f.get();
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                assertThat(r.body()).contains("data: [DONE]");
            }
            // Both slots came back: two at once run again.
            List<Future<HttpResponse<String>>> again = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                again.add(pool.submit(() -> call(api, "slow", "par-2")));
            }
            for (Future<HttpResponse<String>> f : again) {
                assertThat(f.get().statusCode()).isEqualTo(200);
            }
            assertThat(api.info("par-2").get("in_flight").asLong()).isZero();

            // Limit 1 from here on: one slot that did not come back would refuse every later call.
            upstream.options().failure(FakeFailure.HTTP_500);
            assertThat(call(api, "slow", "par-1").statusCode()).isNotEqualTo(200);
            upstream.options().failure(FakeFailure.RESET_MID_STREAM).failAfterChunks(2);
            try {
                call(api, "slow", "par-1"); // a stream broken by the upstream after its headers
            } catch (java.io.IOException brokenStream) {
                // the client may see the broken stream as a truncated body: expected either way
            }
            upstream.options().failure(FakeFailure.STALL);
            assertThat(call(api, "slow-timeout", "par-1").statusCode()).isEqualTo(504);
            upstream.options().failure(FakeFailure.NONE);
            assertThat(call(api, "slow", "par-1").statusCode()).isEqualTo(200);

            // A client that disconnects mid-stream: its slot comes back when the proxy sees it go.
            int before = upstream.requestCount();
            int port = URI.create(proxy.base()).getPort();
            try (RawHttp raw = RawHttp.connect(port)) {
                raw.send(RawHttp.post("/v1/chat/completions", stream("slow", "par-1"), RawHttp.bearer(Api.KEY)));
                assertThat(raw.readHead().status()).isEqualTo(200);
                assertThat(upstream.requestCount()).isEqualTo(before + 1);
            }
            HttpResponse<String> after = null;
            for (int i = 0; i < 200; i++) {
                after = call(api, "slow", "par-1");
                if (after.statusCode() == 200) {
                    break;
                }
                assertThat(after.statusCode()).isEqualTo(429);
                Thread.sleep(50);
            }
            assertThat(after.statusCode()).as(after.body()).isEqualTo(200);
        } finally {
            pool.shutdownNow();
            upstream.options().failure(FakeFailure.NONE);
        }
    }

    /** Two instances on one Redis and PostgreSQL: ten concurrent slow streams, five on each, limit 2. */
    @Test
    void oneLimitAcrossTwoInstances() throws Exception {
        if (!Backend.availableModes().contains(Mode.REDIS_POSTGRES)) {
            return; // availableModes printed why; the embedded suite above still ran
        }
        ExecutorService pool = Executors.newFixedThreadPool(10);
        try (Backend backend = Backend.create(Mode.REDIS_POSTGRES)) {
            String yaml = config().replace("general_settings:\n", "general_settings:\n" + backend.generalSettings());
            try (TestProxy a = TestProxy.start(yaml, Files.createTempDirectory("tg-par-a-"), Map.of());
                    TestProxy b = TestProxy.start(yaml, Files.createTempDirectory("tg-par-b-"), Map.of())) {
                Api apiA = new Api(a);
                Api apiB = new Api(b);
                apiA.ok("/customer/new", "{\"user_id\": \"par-fleet\", \"max_parallel_requests\": 2}");
                upstream.reset();
                List<Future<HttpResponse<String>>> all = new ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    Api api = i % 2 == 0 ? apiA : apiB;
                    all.add(pool.submit(() -> call(api, "slow", "par-fleet")));
                }
                int ok = 0;
                int refused = 0;
                for (Future<HttpResponse<String>> f : all) {
                    HttpResponse<String> r = f.get();
                    if (r.statusCode() == 200) {
                        ok++;
                    } else {
                        assertThat(r.statusCode()).as(r.body()).isEqualTo(429);
                        refused++;
                    }
                }
                assertThat(ok).isEqualTo(2);
                assertThat(refused).isEqualTo(8);
                assertThat(upstream.requestCount()).isEqualTo(2);
                // The slots came back on both instances' account: one call on each, at once, run.
                Future<HttpResponse<String>> onA = pool.submit(() -> call(apiA, "slow", "par-fleet"));
                Future<HttpResponse<String>> onB = pool.submit(() -> call(apiB, "slow", "par-fleet"));
                assertThat(onA.get().statusCode()).isEqualTo(200);
                assertThat(onB.get().statusCode()).isEqualTo(200);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
