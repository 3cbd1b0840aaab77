package dev.tollgate.admin.api;

import static dev.tollgate.admin.api.AdminApiFixture.assertJson;
import static dev.tollgate.admin.api.AdminApiFixture.error;
import static dev.tollgate.admin.api.AdminApiFixture.id;
import static dev.tollgate.admin.api.AdminApiFixture.json;
import static dev.tollgate.admin.api.AdminApiFixture.obj;
import static dev.tollgate.admin.api.AdminApiFixture.texts;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.core.limits.InvalidationBus;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The {@code /budget/*} routes. */
class AdminApiBudgetTest extends AdminApiTestBase {

    @BothDatabases
    void newStoresTheFieldsAndAlignsTheReset(String kind) throws Exception {
        AdminApiFixture f = fixture(kind);
        String id = id("b");
        f.published.clear();
        JsonNode b = f.post(
                "/budget/new",
                obj(
                        "budget_id",
                        id,
                        "max_budget",
                        json("12.34"),
                        "soft_budget",
                        "10",
                        "max_parallel_requests",
                        4,
                        "tpm_limit",
                        1000,
                        "rpm_limit",
                        "60",
                        "budget_duration",
                        "1d"));
        assertJson(
                b,
                "{\"budget_id\":\"" + id + "\",\"max_budget\":12.34,\"soft_budget\":10.0,"
                        + "\"max_parallel_requests\":4,\"tpm_limit\":1000,\"rpm_limit\":60,"
                        + "\"model_max_budget\":null,"
                        + "\"budget_duration\":\"1d\",\"budget_reset_at\":\"2025-03-16T00:00:00Z\","
                        + "\"created_at\":\"2025-03-15T10:20:30Z\",\"created_by\":\"admin-1\","
                        + "\"updated_at\":\"2025-03-15T10:20:30Z\",\"updated_by\":\"admin-1\"}");
        assertThat(f.published).containsExactly(InvalidationBus.ALL);
    }

    @BothDatabases
    void modelMaxBudgetIsStoredCanonicalWithAliasesAndNullClearsIt(String kind) throws Exception {
        AdminApiFixture f = fixture(kind);
        String id = id("b");
        JsonNode b = f.post(
                "/budget/new",
                obj(
                        "budget_id",
                        id,
                        "model_max_budget",
                        json("{\"gpt-4o\": {\"max_budget\": 0.5, \"budget_duration\": \"1d\", \"rpm_limit\": 10,"
                                + " \"tpm_limit\": 10000}, \"openai/gpt-4o-mini\": {\"budget_limit\": 2,"
                                + " \"time_period\": \"30d\"}}")));
        JsonNode canonical = json("{\"gpt-4o\":{\"max_budget\":0.5,\"budget_duration\":\"1d\",\"rpm_limit\":10,"
                + "\"tpm_limit\":10000},\"openai/gpt-4o-mini\":{\"max_budget\":2.0,\"budget_duration\":\"30d\"}}");
        assertThat(b.get("model_max_budget")).isEqualTo(canonical);
        assertThat(f.post("/budget/info", obj("budgets", List.of(id))).get(0).get("model_max_budget"))
                .isEqualTo(canonical);

        JsonNode updated = f.post("/budget/update", obj("budget_id", id, "max_budget", 3));
        assertThat(updated.get("model_max_budget")).as("absent: kept").isEqualTo(canonical);
        JsonNode cleared = f.post("/budget/update", obj("budget_id", id, "model_max_budget", null));
        assertThat(cleared.get("model_max_budget").isNull()).isTrue();

        // A customer's own budget takes it inline, as the other budget fields.
        String customer = id("c");
        f.post("/customer/new", obj("user_id", customer, "model_max_budget", json("{\"gpt-4o\": {\"rpm_limit\": 5}}")));
        JsonNode info = f.get("/customer/info", "end_user_id", customer);
        assertThat(info.get("litellm_budget_table").get("model_max_budget"))
                .isEqualTo(json("{\"gpt-4o\":{\"rpm_limit\":5}}"));
        assertThat(info.get("model_spend")).isEqualTo(json("{\"gpt-4o\":0.0}"));
        // /customer/update does not take it (LiteLLM drops it there): refused, never silently ignored.
        AdminApiFixture.Rendered viaUpdate = error(f.postCall(
                "/customer/update",
                obj("user_id", customer, "model_max_budget", json("{\"gpt-4o\": {\"rpm_limit\": 1}}"))));
        assertThat(viaUpdate.status()).isEqualTo(400);
        assertThat(viaUpdate.error().get("param").asText()).isEqualTo("model_max_budget");
        assertThat(viaUpdate.error().get("message").asText()).contains("/budget/update");
    }

    @BothDatabases
    void eachBadModelMaxBudgetIsA400NamingTheModelAndTheProblem(String kind) throws Exception {
        AdminApiFixture f = fixture(kind);
        Map<String, String> cases = new java.util.LinkedHashMap<>();
        cases.put("[1]", "model_max_budget must be an object");
        cases.put("{\"\": {\"max_budget\": 1}}", "empty model name");
        cases.put("{\"gpt-4o\": 5}", "model_max_budget['gpt-4o'] must be an object");
        cases.put("{\"gpt-4o\": {}}", "model_max_budget['gpt-4o'] sets nothing");
        cases.put(
                "{\"gpt-4o\": {\"max_budgets\": 1}}", "model_max_budget['gpt-4o'] has an unknown field 'max_budgets'");
        cases.put("{\"gpt-4o\": {\"max_budget\": -1}}", "model_max_budget['gpt-4o'].max_budget must be a non-negative");
        cases.put(
                "{\"gpt-4o\": {\"rpm_limit\": 2.5}}",
                "model_max_budget['gpt-4o'].rpm_limit must be a non-negative integer");
        cases.put("{\"gpt-4o\": {\"tpm_limit\": \"many\"}}", "model_max_budget['gpt-4o'].tpm_limit");
        cases.put("{\"gpt-4o\": {\"budget_duration\": \"1x\"}}", "model_max_budget['gpt-4o'].budget_duration");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            for (String route : List.of("/budget/new", "/customer/new")) {
                JsonNode body = route.equals("/budget/new")
                        ? obj("budget_id", id("b"), "model_max_budget", json(c.getKey()))
                        : obj("user_id", id("c"), "model_max_budget", json(c.getKey()));
                AdminApiFixture.Rendered r = error(f.postCall(route, body));
                assertThat(r.status()).as(c.getKey()).isEqualTo(400);
                assertThat(r.error().get("type").asText()).isEqualTo("bad_request");
                assertThat(r.error().get("param").asText()).isEqualTo("model_max_budget");
                assertThat(r.error().get("message").asText()).as(c.getKey()).contains(c.getValue());
            }
        }
        // Nothing was stored by the refused calls; an explicit null is "not set".
        JsonNode b = f.post("/budget/new", obj("budget_id", id("b"), "soft_budget", null, "model_max_budget", null));
        assertThat(b.get("model_max_budget").isNull()).isTrue();
        assertThat(UnsupportedFields.FIELDS).doesNotContain("model_max_budget");
    }

    @BothDatabases
    void newDefaultsTheIdAndKeepsAnExplicitResetTime(String kind) throws Exception {
        AdminApiFixture f = fixture(kind);
        JsonNode b = f.post("/budget/new", obj("budget_duration", "30d", "budget_reset_at", "2025-06-01T12:00:00"));
        assertThat(b.get("budget_id").asText()).matches("[0-9a-f-]{36}");
        assertThat(b.get("budget_reset_at").asText()).isEqualTo("2025-06-01T12:00:00Z");
        JsonNode plain = f.post("/budget/new", obj());
        assertThat(plain.get("budget_reset_at").isNull()).isTrue();
        assertThat(plain.get("max_budget").isNull()).isTrue();
    }

    @BothDatabases
    void newValidation(String kind) throws Exception {
        AdminApiFixture f = fixture(kind);
        String id = id("b");
        f.post("/budget/new", obj("budget_id", id));
        error(f.postCall("/budget/new", obj("budget_id", id)))
                .is(400, "bad_request", "budget_id", "Budget with id '" + id + "' already exists.");
        error(f.postCall("/budget/new", obj("max_budget", json("-0.5"))))
                .is(
                        400,
                        "invalid_request_error",
                        "max_budget",
                        "max_budget must be a non-negative finite number. Received: -0.5");
        error(f.postCall("/budget/new", obj("soft_budget", "inf")))
                .is(
                        400,
                        "invalid_request_error",
                        "soft_budget",
                        "soft_budget must be a non-negative finite number. Received: inf");
        error(f.postCall("/budget/new", obj("tpm_limit", -1)))
                .is(
                        400,
                        "invalid_request_error",
                        "tpm_limit",
                        "tpm_limit must be a non-negative integer. Received: -1");
        error(f.postCall("/budget/new", obj("rpm_limit", json("1.5"))))
                .is(
                        400,
                        "invalid_request_error",
                        "rpm_limit",
                        "rpm_limit must be a non-negative integer. Received: 1.5");
        error(f.postCall("/budget/new", obj("max_parallel_requests", "many")))
                .is(
                        400,
                        "invalid_request_error",
                        "max_parallel_requests",
                        "max_parallel_requests must be a non-negative integer. Received: many");
        AdminApiFixture.Rendered duration = error(f.postCall("/budget/new", obj("budget_duration", "1x")));
        assertThat(duration.status()).isEqualTo(400);
        assertThat(duration.error().get("param").asText()).isEqualTo("budget_duration");
        assertThat(error(f.postCall("/budget/new", obj("model_max_budget", json("{\"gpt-4o\":5}"))))
                        .error()
                        .get("param")
                        .asText())
                .isEqualTo("model_max_budget");
        assertThat(error(f.postCall("/budget/new", obj("budget_reset_at", "soon")))
                        .error()
                        .get("param")
                        .asText())
                .isEqualTo("budget_reset_at");
    }

    @BothDatabases
    void updateAppliesOnlyPresentFieldsAndNullClears(String kind) throws Exception {
        AdminApiFixture f = fixture(kind);
        String id = id("b");
        f.post("/budget/new", obj("budget_id", id, "max_budget", 5, "tpm_limit", 100, "rpm_limit", 10));
        f.published.clear();
        JsonNode b = f.post("/budget/update", obj("budget_id", id, "rpm_limit", 20, "max_budget", null));
        assertThat(b.get("rpm_limit").asLong()).isEqualTo(20);
        assertThat(b.get("tpm_limit").asLong()).isEqualTo(100);
        assertThat(b.get("max_budget").isNull()).isTrue();
        assertThat(b.get("created_by").asText()).isEqualTo(AdminApiFixture.ACTOR);
        assertThat(f.published).containsExactly(InvalidationBus.ALL);
        assertThat(f.post("/budget/info", obj("budgets", List.of(id))).get(0)).isEqualTo(b);
    }

    @BothDatabases
    void updateOfTheDurationRecomputesTheReset(String kind) throws Exception {
        AdminApiFixture f = fixture(kind);
        String id = id("b");
        f.post("/budget/new", obj("budget_id", id, "budget_duration", "1d"));
        JsonNode b = f.post("/budget/update", obj("budget_id", id, "budget_duration", "1mo"));
        assertThat(b.get("budget_duration").asText()).isEqualTo("1mo");
        assertThat(b.get("budget_reset_at").asText()).isEqualTo("2025-04-01T00:00:00Z");
        JsonNode cleared = f.post("/budget/update", obj("budget_id", id, "budget_duration", null));
        assertThat(cleared.get("budget_reset_at").isNull()).isTrue();
    }

    @BothDatabases
    void updateErrors(String kind) throws Exception {
        AdminApiFixture f = fixture(kind);
        error(f.postCall("/budget/update", obj("max_budget", 1)))
                .is(400, "invalid_request_error", "budget_id", "budget_id is required");
        error(f.postCall("/budget/update", obj("budget_id", "ghost", "max_budget", 1)))
                .is(404, "not_found", "budget_id", "Budget with id 'ghost' does not exist.");
        error(f.postCall("/budget/update", obj("budget_id", "ghost", "max_budget", -1)))
                .is(
                        400,
                        "invalid_request_error",
                        "max_budget",
                        "max_budget must be a non-negative finite number. Received: -1");
    }

    @BothDatabases
    void infoReturnsTheFoundBudgets(String kind) throws Exception {
        AdminApiFixture f = fixture(kind);
        String a = id("b");
        f.post("/budget/new", obj("budget_id", a, "rpm_limit", 1));
        JsonNode found = f.post("/budget/info", obj("budgets", List.of(a, "missing-budget")));
        assertThat(texts(found, "budget_id")).containsExactly(a);
        error(f.postCall("/budget/info", obj("budgets", List.of())))
                .is(400, "invalid_request_error", "budgets", "Specify list of budget id's to query. Passed in=[]");
    }

    @BothDatabases
    void listCountsLinkedCustomers(String kind) throws Exception {
        AdminApiFixture f = fixture(kind);
        String tier = id("b");
        String empty = id("b");
        f.post("/budget/new", obj("budget_id", tier));
        f.post("/budget/new", obj("budget_id", empty));
        f.post("/customer/new", obj("user_id", id("c"), "budget_id", tier));
        f.post("/customer/new", obj("user_id", id("c"), "budget_id", tier));
        JsonNode list = f.get("/budget/list");
        // The list's order is the database's; look each budget up by id instead of relying on it.
        Map<String, Long> counts = new HashMap<>();
        for (JsonNode b : list) {
            counts.put(b.get("budget_id").asText(), b.get("customer_count").asLong());
            if (b.get("budget_id").asText().equals(tier)) {
                assertThat(b.has("max_budget")).isTrue();
            }
        }
        assertThat(counts).containsEntry(tier, 2L).containsEntry(empty, 0L);
    }

    @BothDatabases
    void settingsDescribeTheSevenFields(String kind) throws Exception {
        AdminApiFixture f = fixture(kind);
        String id = id("b");
        f.post("/budget/new", obj("budget_id", id, "max_budget", 3, "rpm_limit", 6));
        JsonNode s = f.get("/budget/settings", "budget_id", id);
        assertThat(texts(s, "field_name"))
                .containsExactly(
                        "max_budget",
                        "soft_budget",
                        "max_parallel_requests",
                        "tpm_limit",
                        "rpm_limit",
                        "budget_duration",
                        "model_max_budget");
        assertThat(texts(s, "field_type"))
                .containsExactly("Float", "Float", "Integer", "Integer", "Integer", "String", "Object");
        assertThat(s.get(0).get("field_value").decimalValue()).isEqualByComparingTo("3");
        assertThat(s.get(4).get("field_value").asLong()).isEqualTo(6);
        assertThat(s.get(6).get("field_value").isNull()).isTrue();
        assertThat(s.get(1).get("field_value").isNull()).isTrue();
        for (JsonNode field : s) {
            assertThat(field.get("stored_in_db").asBoolean()).isTrue();
            assertThat(field.get("field_default_value").isNull()).isTrue();
            assertThat(field.get("field_description").asText()).isNotBlank();
            // Every field is enforced or refused: none is described as stored without effect.
            assertThat(field.get("field_description").asText()).doesNotContainIgnoringCase("stored");
        }
        JsonNode unknown = f.get("/budget/settings", "budget_id", "ghost");
        assertThat(unknown).hasSize(7);
        assertThat(texts(unknown, "field_value")).containsOnly("null");
        error(f.getCall("/budget/settings")).is(400, "invalid_request_error", "budget_id", "budget_id is required");
    }

    @BothDatabases
    void deleteGuardsLinkedAndDefaultBudgets(String kind) throws Exception {
        AdminApiFixture f = fixture(kind);
        error(f.postCall("/budget/delete", obj("id", "ghost")))
                .is(404, "not_found", "id", "Budget with id 'ghost' does not exist.");
        String tier = id("b");
        f.post("/budget/new", obj("budget_id", tier, "max_budget", 1));
        String customer = id("c");
        f.post("/customer/new", obj("user_id", customer, "budget_id", tier));
        error(f.postCall("/budget/delete", obj("id", tier)))
                .is(
                        409,
                        "conflict",
                        "id",
                        "Budget '" + tier
                                + "' is used by 1 customer(s); move them to another budget before deleting it.");
        error(f.postCall("/budget/delete", obj("id", AdminApiFixture.DEFAULT_BUDGET)))
                .is(
                        409,
                        "conflict",
                        "id",
                        "Budget 'default-tier' is the default end-user budget (litellm_settings.max_end_user_budget_id);"
                                + " remove it from config before deleting it.");

        f.post("/customer/delete", obj("user_ids", List.of(customer)));
        f.published.clear();
        JsonNode deleted = f.post("/budget/delete", obj("id", tier));
        assertThat(deleted.get("budget_id").asText()).isEqualTo(tier);
        assertThat(deleted.get("max_budget").decimalValue()).isEqualByComparingTo("1");
        assertThat(f.published).containsExactly(InvalidationBus.ALL);
        assertThat(f.post("/budget/info", obj("budgets", List.of(tier)))).isEmpty();
    }
}
