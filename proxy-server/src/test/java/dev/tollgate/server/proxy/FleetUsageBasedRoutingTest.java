package dev.tollgate.server.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.server.ShiftedClock;
import dev.tollgate.server.TestProxy;
import dev.tollgate.testing.LeakGuard;
import dev.tollgate.testing.services.Need;
import dev.tollgate.testing.services.Needs;
import dev.tollgate.testing.services.TestServices;
import dev.tollgate.testing.upstream.FakeUpstream;
import dev.tollgate.testing.upstream.FakeUpstreamOptions;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two instances sharing one Redis under {@code usage-based-routing-v2}: a deployment's rpm holds
 * for the fleet together. Both instances read one clock set to a minute's beginning, so the calls
 * cannot straddle two windows.
 */
@Needs(Need.REDIS)
class FleetUsageBasedRoutingTest {
    static {
        LeakGuard.install();
    }

    static FakeUpstream upstream;
    static TestProxy first;
    static TestProxy second;

    @BeforeAll
    static void start() throws Exception {
        upstream = FakeUpstream.start(FakeUpstreamOptions.defaults().ioThreads(1));
        String prefix = "tg-ubr-" + UUID.randomUUID().toString().substring(0, 8) + ":";
        String yaml = """
                model_list:
                  - {model_name: solo, litellm_params: {model: openai/gpt-4o, api_base: "%1$s", api_key: k, rpm: 4}, model_info: {id: solo-1, input_cost_per_token: 0.000001, output_cost_per_token: 0.000002}}
                router_settings: {routing_strategy: usage-based-routing-v2}
                general_settings: {master_key: %2$s, redis_url: "%3$s", redis_key_prefix: "%4$s", redis_command_timeout_ms: 3000}
                """.formatted(
                        upstream.baseUrl(), TestProxy.KEY, TestServices.redis().url(), prefix);
        ShiftedClock clock = ShiftedClock.atNextMinute();
        first = TestProxy.start(yaml, Files.createTempDirectory("tollgate-test-"), Map.of(), clock);
        second = TestProxy.start(yaml, Files.createTempDirectory("tollgate-test-"), Map.of(), clock);
    }

    @AfterAll
    static void stop() throws Exception {
        for (TestProxy p : new TestProxy[] {first, second}) {
            if (p != null) {
                p.close();
            }
        }
        upstream.close();
        LeakGuard.assertNoLeaks();
    }

    @Test
    void theFleetTogetherServesTheDeploymentsRpm() throws Exception {
        int admitted = 0;
        int refused = 0;
        for (int i = 0; i < 8; i++) {
            TestProxy proxy = i % 2 == 0 ? first : second;
            HttpResponse<String> r = proxy.post("/chat/completions", TestProxy.chat("solo", "fleet-ubr", false));
            if (r.statusCode() == 200) {
                admitted++;
                assertThat(refused)
                        .as("no call is admitted after the first refusal")
                        .isZero();
            } else {
                assertThat(r.statusCode()).as(r.body()).isEqualTo(429);
                assertThat(E2e.assertErrorShape(r.body()).get("message").asText())
                        .startsWith("No deployments available for selected model, Try again in ");
                refused++;
            }
        }
        assertThat(admitted).isEqualTo(4);
        assertThat(refused).isEqualTo(4);
        assertThat(upstream.requestCount()).isEqualTo(4);
    }
}
