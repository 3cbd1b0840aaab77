package dev.tollgate.server.budget;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.server.ShiftedClock;
import dev.tollgate.server.TestProxy;
import dev.tollgate.testing.LeakGuard;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The user's walkthrough (reference/user-walkthrough.md), step by step with the master key, on a
 * real server: spend tracking from the first call, the default budget through
 * {@code max_end_user_budget_id} after a restart, a zero budget, pricing tiers, blocking.
 */
class WalkthroughTest {
    static {
        LeakGuard.install();
    }

    private static String config(String litellmSettings) {
        return "model_list:\n"
                + Configs.mockModel("azure-gpt-3.5", "It is twelve o'clock.")
                + Configs.mockModel("gpt-3.5-turbo", "It is twelve o'clock.")
                + (litellmSettings == null ? "" : "litellm_settings:\n" + litellmSettings)
                + "general_settings:\n"
                + "  master_key: " + Api.KEY + "\n";
    }

    @AfterAll
    static void leaks() throws Exception {
        LeakGuard.assertNoLeaks();
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Mode.class)
    void walkthrough(Mode mode) throws Exception {
        try (Backend backend = Backend.create(mode)) {
            String defaultBudgetId;
            long ishaanSpend;
            try (TestProxy proxy = backend.start(config(null))) {
                Api api = new Api(proxy);

                // Step 1 + 2: the first call creates the customer, info shows it at once.
                HttpResponse<String> first = api.chat("azure-gpt-3.5", "ishaan3");
                assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
                long c1 = costFromUsage(first);
                assertThat(Api.cost(first)).isEqualTo(c1).isPositive();
                JsonNode info = api.info("ishaan3");
                assertThat(info.get("user_id").asText()).isEqualTo("ishaan3");
                assertThat(info.get("blocked").asBoolean()).isFalse();
                assertThat(info.has("alias") && info.get("alias").isNull())
                        .as(info.toString())
                        .isTrue();
                assertThat(Api.nanos(info.get("spend"))).isEqualTo(c1);
                assertThat(info.has("allowed_model_region")
                                && info.get("allowed_model_region").isNull())
                        .isTrue();
                assertThat(info.has("default_model")
                                && info.get("default_model").isNull())
                        .isTrue();
                assertThat(info.has("litellm_budget_table")
                                && info.get("litellm_budget_table").isNull())
                        .isTrue();

                HttpResponse<String> second = api.chat("azure-gpt-3.5", "ishaan3");
                assertThat(second.statusCode()).as(second.body()).isEqualTo(200);
                ishaanSpend = c1 + Api.cost(second);
                assertThat(api.spendNanos("ishaan3")).isEqualTo(ishaanSpend);

                // Step 4, part 1: the default budget is created through the API.
                JsonNode budget = api.ok("/budget/new", "{\"max_budget\": 10, \"rpm_limit\": 2, \"tpm_limit\": 1000}");
                defaultBudgetId = budget.get("budget_id").asText();
                assertThat(defaultBudgetId).isNotBlank();
                assertThat(Api.nanos(budget.get("max_budget"))).isEqualTo(10_000_000_000L);
                assertThat(budget.get("rpm_limit").asLong()).isEqualTo(2);
                assertThat(budget.get("tpm_limit").asLong()).isEqualTo(1000);

                // Step 5: a customer with its own budget of "0" is refused.
                api.ok("/customer/new", "{\"user_id\": \"my-customer-id\", \"max_budget\": \"0\"}");
                assertBudgetExceeded(api.chat("gpt-3.5-turbo", "my-customer-id"), "my-customer-id", "0.0", "0.0");

                // Step 6: a tier; two customers on it have separate spend against the same limit.
                JsonNode tier = api.ok("/budget/new", "{\"budget_id\": \"my-free-tier\", \"max_budget\": 4}");
                assertThat(tier.get("budget_id").asText()).isEqualTo("my-free-tier");
                api.ok("/customer/new", "{\"user_id\": \"free-1\", \"budget_id\": \"my-free-tier\"}");
                api.ok("/customer/new", "{\"user_id\": \"free-2\", \"budget_id\": \"my-free-tier\"}");
                long f1 = Api.cost(okCall(api, "gpt-3.5-turbo", "free-1"))
                        + Api.cost(okCall(api, "gpt-3.5-turbo", "free-1"));
                long f2 = Api.cost(okCall(api, "gpt-3.5-turbo", "free-2"));
                JsonNode free1 = api.info("free-1");
                assertThat(Api.nanos(free1.get("spend"))).isEqualTo(f1);
                assertThat(api.spendNanos("free-2")).isEqualTo(f2);
                assertThat(free1.get("litellm_budget_table").get("budget_id").asText())
                        .isEqualTo("my-free-tier");
                assertThat(Api.nanos(free1.get("litellm_budget_table").get("max_budget")))
                        .isEqualTo(4_000_000_000L);

                // Blocking: refused at once, unblock restores.
                api.ok("/customer/block", "{\"user_ids\": [\"ishaan3\"]}");
                HttpResponse<String> blocked = api.chat("azure-gpt-3.5", "ishaan3");
                assertError(blocked, 403, "User blocked from making LLM API Calls. User=ishaan3");
                assertThat(api.info("ishaan3").get("blocked").asBoolean()).isTrue();
                api.ok("/customer/unblock", "{\"user_ids\": [\"ishaan3\"]}");
                ishaanSpend += Api.cost(okCall(api, "azure-gpt-3.5", "ishaan3"));
                assertThat(api.spendNanos("ishaan3")).isEqualTo(ishaanSpend);
            }

            // Step 4, parts 2 and 3: the budget id in config, restart on the same storage.
            // Its clock starts a minute, so the three calls below share one RPM window.
            try (TestProxy proxy = backend.start(
                    config("  max_end_user_budget_id: \"" + defaultBudgetId + "\"\n"), ShiftedClock.atNextMinute())) {
                Api api = new Api(proxy);
                HttpResponse<String> r1 = okCall(api, "gpt-3.5-turbo", "never-seen-customer");
                HttpResponse<String> r2 = okCall(api, "gpt-3.5-turbo", "never-seen-customer");
                HttpResponse<String> r3 = api.chat("gpt-3.5-turbo", "never-seen-customer");
                assertThat(r1.headers().firstValue("x-ratelimit-end_user-limit-requests"))
                        .hasValue("2");
                assertThat(r1.headers().firstValue("x-ratelimit-end_user-remaining-requests"))
                        .hasValue("1");
                assertThat(r2.headers().firstValue("x-ratelimit-end_user-remaining-requests"))
                        .hasValue("0");
                assertThat(r1.headers().firstValue("x-ratelimit-end_user-limit-tokens"))
                        .hasValue("1000");
                assertThat(r3.statusCode()).as(r3.body()).isEqualTo(429);
                JsonNode err = Api.parse(r3.body()).get("error");
                assertThat(err.get("message").asText())
                        .startsWith(
                                "Rate limit exceeded for end_user: never-seen-customer. Limit type: requests. Current limit: 2, Remaining: 0. Limit resets at: ")
                        .endsWith(" UTC");
                assertThat(err.get("code").asText()).isEqualTo("429");
                assertThat(r3.headers().firstValue("retry-after")).isPresent();
                assertThat(Long.parseLong(r3.headers().firstValue("retry-after").get()))
                        .isBetween(1L, 61L); // up to the window's end plus the retry margin

                // A customer with an explicit budget is not affected by the default one.
                for (int i = 0; i < 4; i++) {
                    HttpResponse<String> r = okCall(api, "gpt-3.5-turbo", "free-2");
                    assertThat(r.headers().firstValue("x-ratelimit-end_user-limit-requests"))
                            .isEmpty();
                }
                // What was there before the restart still holds.
                assertThat(api.spendNanos("ishaan3")).isEqualTo(ishaanSpend);
                assertBudgetExceeded(api.chat("gpt-3.5-turbo", "my-customer-id"), "my-customer-id", "0.0", "0.0");
            }
        }
    }

    static HttpResponse<String> okCall(Api api, String model, String user) throws Exception {
        HttpResponse<String> r = api.chat(model, user);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return r;
    }

    /** The cost from the response's usage and the configured prices. */
    static long costFromUsage(HttpResponse<String> r) {
        JsonNode usage = Api.parse(r.body()).get("usage");
        return Configs.cost(
                usage.get("prompt_tokens").asLong(),
                usage.get("completion_tokens").asLong());
    }

    static void assertBudgetExceeded(HttpResponse<String> r, String id, String spend, String budget) {
        assertError(r, 400, "ExceededBudget: End User=" + id + " over budget. Spend=" + spend + ", Budget=" + budget);
        assertThat(Api.parse(r.body()).get("error").get("type").asText()).isEqualTo("budget_exceeded");
        assertThat(r.headers().firstValue("x-should-retry")).hasValue("false");
    }

    static void assertError(HttpResponse<String> r, int status, String message) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        JsonNode err = Api.parse(r.body()).get("error");
        assertThat(err.get("message").asText()).isEqualTo(message);
        assertThat(err.get("code").asText()).isEqualTo(Integer.toString(status));
    }
}
