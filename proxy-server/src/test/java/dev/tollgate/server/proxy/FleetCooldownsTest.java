package dev.tollgate.server.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.server.TestProxy;
import dev.tollgate.testing.LeakGuard;
import dev.tollgate.testing.services.Need;
import dev.tollgate.testing.services.Needs;
import dev.tollgate.testing.services.TestServices;
import dev.tollgate.testing.upstream.FakeFailure;
import dev.tollgate.testing.upstream.FakeUpstream;
import dev.tollgate.testing.upstream.FakeUpstreamOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two instances sharing one Redis: a cooldown one instance discovers is observed by the other,
 * which then never sends a call to the failing deployment.
 */
@Needs(Need.REDIS)
class FleetCooldownsTest {
    static {
        LeakGuard.install();
    }

    static FakeUpstream down;
    static FakeUpstream up;
    static TestProxy first;
    static TestProxy second;
    static String prefix;

    @BeforeAll
    static void start() throws Exception {
        down = FakeUpstream.start(FakeUpstreamOptions.defaults().ioThreads(1).failure(FakeFailure.HTTP_500));
        up = FakeUpstream.start(FakeUpstreamOptions.defaults().ioThreads(1));
        prefix = "tg-cooldown-" + UUID.randomUUID().toString().substring(0, 8) + ":";
        String yaml = """
                model_list:
                  - {model_name: pair, litellm_params: {model: openai/gpt-4o, api_base: "%1$s", api_key: k}, model_info: {id: pair-down, input_cost_per_token: 0.000001, output_cost_per_token: 0.000002}}
                  - {model_name: pair, litellm_params: {model: openai/gpt-4o, api_base: "%2$s", api_key: k}, model_info: {id: pair-up, input_cost_per_token: 0.000001, output_cost_per_token: 0.000002}}
                router_settings: {routing_strategy: round-robin, allowed_fails: 0, cooldown_time: 60}
                general_settings: {master_key: %3$s, redis_url: "%4$s", redis_key_prefix: "%5$s", redis_command_timeout_ms: 3000}
                """.formatted(
                        down.baseUrl(),
                        up.baseUrl(),
                        TestProxy.KEY,
                        TestServices.redis().url(),
                        prefix);
        first = TestProxy.start(yaml);
        second = TestProxy.start(yaml);
    }

    @AfterAll
    static void stop() throws Exception {
        for (TestProxy p : new TestProxy[] {first, second}) {
            if (p != null) {
                p.close();
            }
        }
        for (FakeUpstream u : List.of(down, up)) {
            u.close();
        }
        LeakGuard.assertNoLeaks();
    }

    private static HttpResponse<String> chat(TestProxy proxy) throws Exception {
        return proxy.post("/chat/completions", TestProxy.chat("pair", null, false));
    }

    @Test
    void oneInstancesCooldownProtectsTheOther() throws Exception {
        // The first call of an instance goes to the first deployment: it fails, which is more than
        // allowed_fails (0), so the deployment cools down fleet-wide.
        assertThat(chat(first).statusCode()).isEqualTo(500);
        assertThat(down.requestCount()).isEqualTo(1);
        String cooling = "tollgate_deployment_cooling_down{model=\"pair\",model_id=\"pair-down\"} 1.0";
        assertThat(E2e.eventually(
                        Duration.ofSeconds(10),
                        () -> second.get("/metrics").body().contains(cooling)))
                .as("the second instance learns of the cooldown")
                .isTrue();
        for (int i = 0; i < 4; i++) {
            HttpResponse<String> r = chat(second);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(r.headers().firstValue("x-litellm-model-id")).hasValue("pair-up");
        }
        assertThat(down.requestCount())
                .as("the second instance never tried the failing deployment")
                .isEqualTo(1);
        RedisClient client = RedisClient.create(TestServices.redis().url());
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            assertThat(c.sync().keys(prefix + "dep:*"))
                    .as("deployment usage is counted under usage-based-routing-v2 only")
                    .isEmpty();
        } finally {
            client.shutdown();
        }
    }
}
