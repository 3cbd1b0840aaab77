package dev.tollgate.server.budget;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.server.TestProxy;
import dev.tollgate.testing.LeakGuard;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code allowed_model_region} and {@code default_model}: a region-bound customer's calls use only
 * deployments in its region (LiteLLM's end-to-end test: three calls, each {@code x-litellm-model-region: eu});
 * with none there, its default model; without one, a 400 naming region and model.
 */
class RegionRoutingTest {
    static {
        LeakGuard.install();
    }

    @AfterAll
    static void leaks() throws Exception {
        LeakGuard.assertNoLeaks();
    }

    private static String deployment(String model, String id, String region, String reply) {
        return "  - model_name: " + model + "\n"
                + "    litellm_params: {model: openai/gpt-3.5-turbo, mock_response: \"" + reply + "\""
                + (region == null ? "" : ", region_name: " + region) + "}\n"
                + "    model_info: {id: " + id + ", input_cost_per_token: 0.000002, output_cost_per_token: 0.000004}\n";
    }

    private static String config() {
        return "model_list:\n"
                + deployment("gpt-3.5-turbo-end-user-test", "dep-eu", "eu", "from eu")
                + deployment("gpt-3.5-turbo-end-user-test", "dep-us", "us", "from us")
                + deployment("us-only", "dep-us-only", "us-east-1", "us only")
                + deployment("fallback", "dep-fallback-us", "us", "fallback us")
                + deployment("fallback", "dep-fallback-eu", "eu-west-1", "fallback eu")
                + "general_settings:\n  master_key: " + Api.KEY + "\n";
    }

    private static HttpResponse<String> chat(Api api, String model, String user) throws Exception {
        return api.post(
                "/v1/chat/completions",
                "{\"model\":\"" + model + "\",\"user\":\"" + user
                        + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Mode.class)
    void regionBoundCustomersUseOnlyTheirRegion(Mode mode) throws Exception {
        try (Backend backend = Backend.create(mode);
                TestProxy proxy = backend.start(config())) {
            Api api = new Api(proxy);
            api.ok("/customer/new", "{\"user_id\": \"eu-cust\", \"allowed_model_region\": \"eu\"}");
            api.ok(
                    "/customer/new",
                    "{\"user_id\": \"eu-fallback\", \"allowed_model_region\": \"eu\", \"default_model\": \"fallback\"}");
            api.ok("/customer/new", "{\"user_id\": \"us-cust\", \"allowed_model_region\": \"us\"}");

            for (int i = 0; i < 3; i++) {
                HttpResponse<String> r = chat(api, "gpt-3.5-turbo-end-user-test", "eu-cust");
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                assertThat(r.headers().firstValue("x-litellm-model-region")).contains("eu");
                assertThat(r.headers().firstValue("x-litellm-model-id")).contains("dep-eu");
                assertThat(r.body()).contains("from eu");
                HttpResponse<String> us = chat(api, "gpt-3.5-turbo-end-user-test", "us-cust");
                assertThat(us.headers().firstValue("x-litellm-model-region")).contains("us");
                assertThat(us.body()).contains("from us");
            }
            // A customer without a region is balanced over both deployments (simple-shuffle picks at
            // random: 40 calls all on one deployment has a chance of 2^-39).
            java.util.Set<String> seen = new java.util.HashSet<>();
            for (int i = 0; i < 40; i++) {
                seen.add(chat(api, "gpt-3.5-turbo-end-user-test", "anywhere")
                        .headers()
                        .firstValue("x-litellm-model-id")
                        .orElseThrow());
            }
            assertThat(seen).containsExactlyInAnyOrder("dep-eu", "dep-us");

            // No eu deployment of us-only, no default model: a 400 naming region and model.
            HttpResponse<String> refused = chat(api, "us-only", "eu-cust");
            assertThat(refused.statusCode()).isEqualTo(400);
            JsonNode error = Api.JSON.readTree(refused.body()).get("error");
            assertThat(error.get("type").asText()).isEqualTo("invalid_request_error");
            assertThat(error.get("param").asText()).isEqualTo("model");
            assertThat(error.get("message").asText())
                    .contains("'us-only'")
                    .contains("region 'eu'")
                    .contains("no default_model");

            // No eu deployment of us-only, but a default model with one in eu (region_name eu-west-1).
            HttpResponse<String> fallback = chat(api, "us-only", "eu-fallback");
            assertThat(fallback.statusCode()).as(fallback.body()).isEqualTo(200);
            assertThat(fallback.headers().firstValue("x-litellm-model-id")).contains("dep-fallback-eu");
            assertThat(fallback.headers().firstValue("x-litellm-model-region")).contains("eu-west-1");
            assertThat(fallback.headers().firstValue("x-litellm-model-group")).contains("fallback");
            assertThat(fallback.body()).contains("fallback eu");

            // An admin change of region is enforced at once.
            api.ok("/customer/update", "{\"user_id\": \"eu-cust\", \"allowed_model_region\": \"us\"}");
            assertThat(chat(api, "gpt-3.5-turbo-end-user-test", "eu-cust")
                            .headers()
                            .firstValue("x-litellm-model-region"))
                    .contains("us");
        }
    }
}
