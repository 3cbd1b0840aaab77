package dev.tollgate.server.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.server.TestProxy;
import dev.tollgate.testing.LeakGuard;
import dev.tollgate.testing.upstream.FakeFailure;
import dev.tollgate.testing.upstream.FakeUpstream;
import dev.tollgate.testing.upstream.FakeUpstreamOptions;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code allowed_fails} / {@code cooldown_time} on one instance: a deployment that failed more than
 * {@code allowed_fails} times within a minute is skipped while it cools down; a group whose every
 * deployment cools down refuses with LiteLLM's 429 "No deployments available", charging nothing;
 * a group of one deployment never cools down.
 */
class CooldownsTest {
    static {
        LeakGuard.install();
    }

    static FakeUpstream down;
    static FakeUpstream up;
    static FakeUpstream downToo;
    static TestProxy proxy;

    @BeforeAll
    static void start() throws Exception {
        down = FakeUpstream.start(FakeUpstreamOptions.defaults().ioThreads(1).failure(FakeFailure.HTTP_500));
        up = FakeUpstream.start(FakeUpstreamOptions.defaults().ioThreads(1));
        downToo = FakeUpstream.start(FakeUpstreamOptions.defaults().ioThreads(1).failure(FakeFailure.HTTP_500));
        proxy = TestProxy.start("""
                model_list:
                  - {model_name: pair, litellm_params: {model: openai/gpt-4o, api_base: "%1$s", api_key: k}, model_info: {id: pair-down, input_cost_per_token: 0.000001, output_cost_per_token: 0.000002}}
                  - {model_name: pair, litellm_params: {model: openai/gpt-4o, api_base: "%2$s", api_key: k}, model_info: {id: pair-up, input_cost_per_token: 0.000001, output_cost_per_token: 0.000002}}
                  - {model_name: both, litellm_params: {model: openai/gpt-4o, api_base: "%1$s", api_key: k}, model_info: {id: both-1, input_cost_per_token: 0.000001, output_cost_per_token: 0.000002}}
                  - {model_name: both, litellm_params: {model: openai/gpt-4o, api_base: "%3$s", api_key: k}, model_info: {id: both-2, input_cost_per_token: 0.000001, output_cost_per_token: 0.000002}}
                  - {model_name: alone, litellm_params: {model: openai/gpt-4o, api_base: "%1$s", api_key: k}, model_info: {id: alone-1, input_cost_per_token: 0.000001, output_cost_per_token: 0.000002}}
                router_settings: {routing_strategy: round-robin, allowed_fails: 1, cooldown_time: 60}
                general_settings: {master_key: %4$s}
                """.formatted(down.baseUrl(), up.baseUrl(), downToo.baseUrl(), TestProxy.KEY));
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        for (FakeUpstream u : List.of(down, up, downToo)) {
            u.close();
        }
        LeakGuard.assertNoLeaks();
    }

    private static HttpResponse<String> chat(String model) throws Exception {
        return proxy.post("/chat/completions", TestProxy.chat(model, "cooldown-cust", false));
    }

    private static String metrics() throws Exception {
        return proxy.get("/metrics").body();
    }

    @Test
    void aDeploymentFailingMoreThanAllowedIsSkippedWhileItCoolsDown() throws Exception {
        int before = down.requestCount();
        // Round-robin alternates down, up, down: the second failure exceeds allowed_fails (1).
        assertThat(chat("pair").statusCode()).isEqualTo(500);
        assertThat(chat("pair").statusCode()).isEqualTo(200);
        assertThat(metrics()).contains("tollgate_deployment_cooling_down{model=\"pair\",model_id=\"pair-down\"} 0.0");
        assertThat(chat("pair").statusCode()).isEqualTo(500);
        assertThat(down.requestCount() - before).isEqualTo(2);

        for (int i = 0; i < 4; i++) {
            HttpResponse<String> r = chat("pair");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(r.headers().firstValue("x-litellm-model-id")).hasValue("pair-up");
        }
        assertThat(down.requestCount() - before)
                .as("skipped while cooling down")
                .isEqualTo(2);
        String m = metrics();
        assertThat(m).contains("tollgate_deployment_cooling_down{model=\"pair\",model_id=\"pair-down\"} 1.0");
        assertThat(m).contains("tollgate_deployment_cooldowns_total{model=\"pair\",model_id=\"pair-down\"} 1.0");
        assertThat(m).contains("tollgate_deployment_cooling_down{model=\"pair\",model_id=\"pair-up\"} 0.0");
        // The admin page's overview shows the same.
        HttpResponse<String> overview = proxy.get("/tollgate/overview");
        assertThat(overview.statusCode()).as(overview.body()).isEqualTo(200);
        java.util.Map<String, com.fasterxml.jackson.databind.JsonNode> byId = new java.util.HashMap<>();
        E2e.json(overview.body())
                .get("deployments")
                .forEach(d -> byId.put(d.get("model_id").asText(), d));
        assertThat(byId.get("pair-down").get("cooling_down").asBoolean()).isTrue();
        assertThat(byId.get("pair-down").get("cooldowns").asLong()).isEqualTo(1);
        assertThat(byId.get("pair-up").get("cooling_down").asBoolean()).isFalse();
    }

    @Test
    void aGroupWhoseEveryDeploymentCoolsDownRefusesWithNoDeploymentsAvailable() throws Exception {
        for (int i = 0; i < 4; i++) {
            assertThat(chat("both").statusCode()).isEqualTo(500);
        }
        int sent = down.requestCount() + downToo.requestCount();
        HttpResponse<String> r = chat("both");
        assertThat(r.statusCode()).isEqualTo(429);
        String message = E2e.assertErrorShape(r.body()).get("message").asText();
        assertThat(message)
                .startsWith("No deployments available for selected model, Try again in ")
                .contains("Passed model=both")
                .contains("'both-1'", "'both-2'");
        assertThat(r.headers().firstValue("retry-after")).isPresent();
        assertThat(down.requestCount() + downToo.requestCount())
                .as("nothing sent")
                .isEqualTo(sent);
    }

    @Test
    void aGroupOfOneNeverCoolsDown() throws Exception {
        int before = down.requestCount();
        for (int i = 0; i < 4; i++) {
            assertThat(chat("alone").statusCode()).isEqualTo(500);
        }
        assertThat(down.requestCount() - before).isEqualTo(4);
        assertThat(metrics()).contains("tollgate_deployment_cooldowns_total{model=\"alone\",model_id=\"alone-1\"} 0.0");
    }
}
