package dev.tollgate.server.budget;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.core.money.PythonFloat;
import dev.tollgate.server.ShiftedClock;
import dev.tollgate.server.TestProxy;
import dev.tollgate.testing.LeakGuard;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The admin API through the real server and a real HTTP client: one happy path per route family,
 * the master key required on every admin route, and admin writes enforced at once by the same
 * instance (no stale catalogue entry survives a write).
 */
class AdminRoutesHttpTest {
    static {
        LeakGuard.install();
    }

    private static String config() {
        return "model_list:\n" + Configs.mockModel("m", "ok") + "general_settings:\n  master_key: " + Api.KEY + "\n";
    }

    @AfterAll
    static void leaks() throws Exception {
        LeakGuard.assertNoLeaks();
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Mode.class)
    void everyRouteFamily(Mode mode) throws Exception {
        try (Backend backend = Backend.create(mode);
                TestProxy proxy = backend.start(config())) {
            Api api = new Api(proxy);
            // budgets
            JsonNode b = api.ok(
                    "/budget/new",
                    "{\"budget_id\": \"gold\", \"max_budget\": 25.5, \"rpm_limit\": 100, \"budget_duration\": \"30d\"}");
            assertThat(b.get("budget_reset_at").asText()).endsWith("-01T00:00:00Z");
            assertThat(b.get("created_by").asText()).isEqualTo("default_user_id");
            JsonNode upd = api.ok("/budget/update", "{\"budget_id\": \"gold\", \"tpm_limit\": 5000}");
            assertThat(upd.get("tpm_limit").asLong()).isEqualTo(5000);
            assertThat(upd.get("rpm_limit").asLong()).isEqualTo(100);
            JsonNode infos = api.ok("/budget/info", "{\"budgets\": [\"gold\", \"nope\"]}");
            assertThat(infos.size()).isEqualTo(1);
            assertThat(Api.nanos(infos.get(0).get("max_budget"))).isEqualTo(25_500_000_000L);
            JsonNode list = api.okGet("/budget/list");
            assertThat(ids(list, "budget_id")).contains("gold");
            JsonNode settings = api.okGet("/budget/settings?budget_id=gold");
            assertThat(settings.get(0).get("field_name").asText()).isEqualTo("max_budget");
            assertThat(Api.nanos(settings.get(0).get("field_value"))).isEqualTo(25_500_000_000L);

            // customers
            JsonNode c =
                    api.ok("/customer/new", "{\"user_id\": \"adm-1\", \"alias\": \"Ada\", \"budget_id\": \"gold\"}");
            assertThat(c.get("budget_id").asText()).isEqualTo("gold");
            long cost = Api.cost(WalkthroughTest.okCall(api, "m", "adm-1"));
            JsonNode info = api.info("adm-1");
            assertThat(info.get("alias").asText()).isEqualTo("Ada");
            assertThat(Api.nanos(info.get("spend"))).isEqualTo(cost);
            assertThat(info.get("litellm_budget_table").get("budget_id").asText())
                    .isEqualTo("gold");
            JsonNode alias = api.okGet("/end_user/info?end_user_id=adm-1");
            assertThat(alias).isEqualTo(info);
            JsonNode updated = api.ok("/customer/update", "{\"user_id\": \"adm-1\", \"alias\": \"Ada L.\"}");
            assertThat(updated.get("alias").asText()).isEqualTo("Ada L.");
            assertThat(ids(api.okGet("/customer/list"), "user_id")).contains("adm-1");
            JsonNode blocked = api.ok("/customer/block", "{\"user_ids\": [\"adm-1\"]}");
            assertThat(blocked.get("blocked_users").get(0).get("blocked").asBoolean())
                    .isTrue();
            JsonNode unblocked = api.ok("/customer/unblock", "{\"user_ids\": [\"adm-1\"]}");
            assertThat(unblocked.get("unblocked_users").get(0).get("blocked").asBoolean())
                    .isFalse();

            proxy.server().flusher().flushNow().get(30, TimeUnit.SECONDS);
            JsonNode activity = api.okGet("/customer/daily/activity?end_user_ids=adm-1");
            assertThat(Api.nanos(activity.get("metadata").get("total_spend"))).isEqualTo(cost);
            assertThat(activity.get("metadata").get("total_api_requests").asLong())
                    .isEqualTo(1);

            // a budget in use cannot be deleted; once unused it can
            HttpResponse<String> inUse = api.post("/budget/delete", "{\"id\": \"gold\"}");
            assertThat(inUse.statusCode()).as(inUse.body()).isEqualTo(409);
            JsonNode deleted = api.ok("/customer/delete", "{\"user_ids\": [\"adm-1\"]}");
            assertThat(deleted.get("deleted_customers").asInt()).isEqualTo(1);
            assertThat(deleted.get("message").asText()).isEqualTo("Successfully deleted customers with ids: ['adm-1']");
            assertThat(api.get("/customer/info?end_user_id=adm-1").statusCode()).isEqualTo(404);
            assertThat(api.ok("/budget/delete", "{\"id\": \"gold\"}")
                            .get("budget_id")
                            .asText())
                    .isEqualTo("gold");
            assertThat(api.ok("/budget/info", "{\"budgets\": [\"gold\"]}").size())
                    .isZero();

            // no key, wrong key: 401 on every admin family
            for (String[] route : new String[][] {
                {"GET", "/customer/info?end_user_id=x"},
                {"GET", "/end_user/info?end_user_id=x"},
                {"POST", "/customer/new"},
                {"GET", "/customer/list"},
                {"POST", "/customer/block"},
                {"GET", "/customer/daily/activity"},
                {"GET", "/budget/list"},
                {"POST", "/budget/new"},
                {"POST", "/budget/delete"},
                {"GET", "/budget/settings?budget_id=x"}
            }) {
                HttpResponse<String> r =
                        api.anonymous(route[0], route[1], route[0].equals("POST") ? "{\"user_id\":\"x\"}" : null);
                assertThat(r.statusCode()).as(route[1] + " " + r.body()).isEqualTo(401);
                assertThat(Api.parse(r.body()).get("error").get("message").asText())
                        .isEqualTo("Authentication Error, No api key passed in.");
            }
            assertThat(ids(api.okGet("/customer/list"), "user_id")).doesNotContain("x");
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Mode.class)
    void adminWritesAreEnforcedAtOnce(Mode mode) throws Exception {
        // The proxy's clock starts a minute, so the RPM checks below share one window.
        try (Backend backend = Backend.create(mode);
                TestProxy proxy = backend.start(config(), ShiftedClock.atNextMinute())) {
            Api api = new Api(proxy);
            // A customer without a budget is cached as unlimited; giving it a zero budget applies now.
            api.ok("/customer/new", "{\"user_id\": \"chg-1\"}");
            long spent = Api.cost(WalkthroughTest.okCall(api, "m", "chg-1"));
            api.ok("/customer/update", "{\"user_id\": \"chg-1\", \"max_budget\": 0}");
            WalkthroughTest.assertBudgetExceeded(api.chat("m", "chg-1"), "chg-1", PythonFloat.of(spent), "0.0");

            // Lowering a tier's RPM applies to its customers at once.
            api.ok("/budget/new", "{\"budget_id\": \"chg-tier\", \"max_budget\": 100}");
            api.ok("/customer/new", "{\"user_id\": \"chg-2\", \"budget_id\": \"chg-tier\"}");
            WalkthroughTest.okCall(api, "m", "chg-2");
            api.ok("/budget/update", "{\"budget_id\": \"chg-tier\", \"rpm_limit\": 1}");
            assertThat(api.chat("m", "chg-2").statusCode()).isEqualTo(429);
            // ... and raising it again too.
            api.ok("/budget/update", "{\"budget_id\": \"chg-tier\", \"rpm_limit\": 5}");
            WalkthroughTest.okCall(api, "m", "chg-2");

            // Moving a customer onto a budget it already exceeds refuses its next call.
            api.ok("/budget/new", "{\"budget_id\": \"chg-zero\", \"max_budget\": 0}");
            api.ok("/customer/update", "{\"user_id\": \"chg-2\", \"budget_id\": \"chg-zero\"}");
            assertThat(api.chat("m", "chg-2").statusCode()).isEqualTo(400);

            // A customer seen only on calls (no row yet) blocked by the admin: refused at once.
            WalkthroughTest.okCall(api, "m", "chg-3");
            api.ok("/customer/block", "{\"user_ids\": [\"chg-3\"]}");
            assertThat(api.chat("m", "chg-3").statusCode()).isEqualTo(403);
            api.ok("/customer/unblock", "{\"user_ids\": [\"chg-3\"]}");
            WalkthroughTest.okCall(api, "m", "chg-3");

            // A deleted customer is a new, unlimited customer on its next call, starting from zero spend.
            api.ok("/customer/delete", "{\"user_ids\": [\"chg-1\"]}");
            long fresh = Api.cost(WalkthroughTest.okCall(api, "m", "chg-1"));
            assertThat(api.spendNanos("chg-1")).isEqualTo(fresh);
            // Recreated with a budget just above one call: the old spend does not count against it.
            proxy.server().flusher().flushNow().get(30, TimeUnit.SECONDS);
            api.ok("/customer/delete", "{\"user_ids\": [\"chg-1\"]}");
            assertThat(api.get("/customer/info?end_user_id=chg-1").statusCode()).isEqualTo(404);
            api.ok("/customer/new", "{\"user_id\": \"chg-1\", \"max_budget\": \"" + Api.usd(fresh + 1) + "\"}");
            assertThat(api.spendNanos("chg-1")).isZero();
            WalkthroughTest.okCall(api, "m", "chg-1");
        }
    }

    private static List<String> ids(JsonNode array, String field) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.get(field).asText()));
        return out;
    }
}
