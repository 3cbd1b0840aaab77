package dev.tollgate.server.budget;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.server.TestProxy;
import dev.tollgate.testing.LeakGuard;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Budgets, customers and spend survive a graceful stop and a start on the same storage, exactly:
 * nothing is flushed by hand (the flush interval is an hour), so the shutdown flush must do it.
 */
class RestartPersistenceTest {
    static {
        LeakGuard.install();
    }

    private static final List<String> CUSTOMERS = List.of("rp-a", "rp-b", "rp-c", "rp-d", "rp-e");

    private static String config() {
        return "model_list:\n" + Configs.mockModel("m", "persisted") + "general_settings:\n  master_key: " + Api.KEY
                + "\n  proxy_batch_write_at: 3600\n";
    }

    @AfterAll
    static void leaks() throws Exception {
        LeakGuard.assertNoLeaks();
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Mode.class)
    void everythingSurvivesARestart(Mode mode) throws Exception {
        try (Backend backend = Backend.create(mode)) {
            Map<String, JsonNode> before = new LinkedHashMap<>();
            JsonNode budgetsBefore;
            long aSpend = 0;
            try (TestProxy proxy = backend.start(config())) {
                Api api = new Api(proxy);
                api.ok(
                        "/budget/new",
                        "{\"budget_id\": \"rp-tier\", \"max_budget\": 7.25, \"rpm_limit\": 50, "
                                + "\"tpm_limit\": 90000, \"budget_duration\": \"30d\", \"soft_budget\": 5}");
                api.ok(
                        "/customer/new",
                        "{\"user_id\": \"rp-a\", \"alias\": \"Alpha\", \"budget_id\": \"rp-tier\", "
                                + "\"allowed_model_region\": \"eu\", \"default_model\": \"m\"}");
                api.ok("/customer/new", "{\"user_id\": \"rp-b\", \"max_budget\": 3}");
                api.ok("/customer/new", "{\"user_id\": \"rp-e\", \"spend\": 0.5}");
                api.ok("/customer/block", "{\"user_ids\": [\"rp-d\"]}");
                for (int i = 0; i < 3; i++) {
                    aSpend += Api.cost(WalkthroughTest.okCall(api, "m", "rp-a"));
                }
                WalkthroughTest.okCall(api, "m", "rp-b");
                WalkthroughTest.okCall(api, "m", "rp-b");
                WalkthroughTest.okCall(api, "m", "rp-c"); // known only from its calls
                WalkthroughTest.okCall(api, "m", "rp-c");
                WalkthroughTest.okCall(api, "m", "rp-e");
                for (String c : CUSTOMERS) {
                    before.put(c, api.info(c));
                }
                assertThat(Api.nanos(before.get("rp-a").get("spend"))).isEqualTo(aSpend);
                budgetsBefore = api.okGet("/budget/list");
                assertThat(budgetsBefore.size()).isEqualTo(2); // the tier and rp-b's own budget
            }

            try (TestProxy proxy = backend.start(config())) {
                Api api = new Api(proxy);
                for (String c : CUSTOMERS) {
                    assertThat(api.info(c)).as(c).isEqualTo(before.get(c));
                }
                assertThat(api.okGet("/budget/list")).isEqualTo(budgetsBefore);
                // The restored state is enforced and keeps adding up.
                assertThat(api.chat("m", "rp-d").statusCode()).isEqualTo(403);
                long more = Api.cost(WalkthroughTest.okCall(api, "m", "rp-a"));
                assertThat(api.spendNanos("rp-a")).isEqualTo(aSpend + more);
                assertThat(Api.nanos(api.info("rp-e").get("spend"))).isGreaterThan(500_000_000L);
            }
            // And again, now with what the second server added.
            try (TestProxy proxy = backend.start(config())) {
                assertThat(new Api(proxy).spendNanos("rp-a")).isGreaterThan(aSpend);
            }
            assertThat(backend.persistedSpend()[1]).isEqualTo(CUSTOMERS.size());
        }
    }
}
