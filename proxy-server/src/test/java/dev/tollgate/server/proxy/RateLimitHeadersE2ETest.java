package dev.tollgate.server.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.core.json.Json;
import dev.tollgate.server.TestProxy;
import dev.tollgate.testing.LeakGuard;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The customer's rate-limit headers on successful calls reflect settled usage, not reservations. */
class RateLimitHeadersE2ETest {
    static TestProxy proxy;

    @BeforeAll
    static void start() throws Exception {
        proxy = TestProxy.start("""
                model_list:
                  - model_name: mock
                    litellm_params: {model: openai/gpt-3.5-turbo, mock_response: "one two three four"}
                general_settings: {master_key: %s}
                """.formatted(TestProxy.KEY));
        proxy.post("/budget/new", "{\"budget_id\":\"hdr-tier\",\"rpm_limit\":5,\"tpm_limit\":1000}");
        proxy.post("/customer/new", "{\"user_id\":\"hdr-cust\",\"budget_id\":\"hdr-tier\"}");
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        LeakGuard.assertNoLeaks();
    }

    @Test
    void remainingTokensCountRealUsageNotTheReservation() throws Exception {
        HttpResponse<String> first = proxy.post("/chat/completions", TestProxy.chat("mock", "hdr-cust", false));
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        JsonNode usage = Json.MAPPER.readTree(first.body()).get("usage");
        long completion = usage.get("completion_tokens").asLong();
        assertThat(completion).isPositive();
        assertThat(first.headers().firstValue("x-ratelimit-end_user-limit-tokens"))
                .hasValue("1000");
        assertThat(first.headers().firstValue("x-ratelimit-end_user-remaining-tokens"))
                .hasValue(Long.toString(1000 - completion));
        assertThat(first.headers().firstValue("x-ratelimit-remaining-tokens"))
                .hasValue(Long.toString(1000 - completion));
        assertThat(first.headers().firstValue("x-ratelimit-end_user-limit-requests"))
                .hasValue("5");
        assertThat(first.headers().firstValue("x-ratelimit-end_user-remaining-requests"))
                .hasValue("4");
        assertThat(first.headers().firstValue("x-ratelimit-reset-requests"))
                .hasValueSatisfying(v -> assertThat(v).matches("\\d+(ms|s|m\\d+s)"));

        HttpResponse<String> second = proxy.post("/chat/completions", TestProxy.chat("mock", "hdr-cust", false));
        // Both calls fall into one clock minute unless the test straddles a boundary.
        String remaining = second.headers()
                .firstValue("x-ratelimit-end_user-remaining-requests")
                .orElseThrow();
        assertThat(remaining).isIn("3", "4");
        if (remaining.equals("3")) {
            assertThat(second.headers().firstValue("x-ratelimit-end_user-remaining-tokens"))
                    .hasValue(Long.toString(1000 - 2 * completion));
        }
    }
}
