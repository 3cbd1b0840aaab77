package dev.tollgate.admin.api;

import static dev.tollgate.admin.api.AdminApiFixture.assertJson;
import static dev.tollgate.admin.api.AdminApiFixture.error;
import static dev.tollgate.admin.api.AdminApiFixture.id;
import static dev.tollgate.admin.api.AdminApiFixture.obj;
import static dev.tollgate.admin.api.AdminApiFixture.texts;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/** {@code /customer/update}, delete, list, block and unblock. */
class AdminApiCustomerWriteTest extends AdminApiTestBase {

    @BothDatabases
    void updateChangesOnlyTheGivenFields(String kind) throws Exception {
        AdminApiFixture f = fixture(kind);
        String id = id("c");
        f.post("/customer/new", obj("user_id", id, "alias", "Old", "allowed_model_region", "us"));
        f.published.clear();
        JsonNode row = f.post(
                "/customer/update",
                obj("user_id", id, "alias", "Updated Test User", "tpm_limit", 5, "metadata", obj("x", 1)));
        assertThat(row.get("user_id").asText()).isEqualTo(id);
        assertThat(row.get("alias").asText()).isEqualTo("Updated Test User");
        assertThat(row.get("allowed_model_region").asText()).isEqualTo("us");
        // tpm_limit is not an update field (upstream drops it too): no budget was created.
        assertThat(row.get("budget_id").isNull()).isTrue();
        assertThat(row.has("object_permission")).isTrue();
        assertThat(f.published).containsExactly(id);
    }

    @BothDatabases
    void updateUnknownCustomerIs404OnUserId(String kind) throws Exception {
        AdminApiFixture f = fixture(kind);
        error(f.postCall("/customer/update", obj("user_id", "non-existent-user", "alias", "x")))
                .is(404, "not_found", "user_id", "End User Id=non-existent-user does not exist in db");
        error(f.postCall("/end_user/update", obj("user_id", "non-existent-user")))
                .is(404, "not_found", "user_id", "End User Id=non-existent-user does not exist in db");
    }

    @BothDatabases
    void updateCanBlockAndUnblock(String kind) throws Exception {
        AdminApiFixture f = fixture(kind);
        String id = id("c");
        f.post("/customer/new", obj("user_id", id));
        assertThat(f.post("/customer/update", obj("user_id", id, "blocked", true))
                        .get("blocked")
                        .asBoolean())
                .isTrue();
        assertThat(f.post("/customer/update", obj("user_id", id, "blocked", false))
                        .get("blocked")
                        .asBoolean())
                .isFalse();
        assertThat(f.get("/customer/info", "end_user_id", id).get("blocked").asBoolean())
                .isFalse();
    }

    @BothDatabases
    void updateMaxBudgetEditsAPrivateBudgetInPlace(String kind) throws Exception {
        AdminApiFixture f = fixture(kind);
        String id = id("c");
        String budgetId = f.post("/customer/new", obj("user_id", id, "max_budget", 1, "rpm_limit", 7))
                .get("budget_id")
                .asText();
        JsonNode row = f.post("/customer/update", obj("user_id", id, "max_budget", 0));
        assertThat(row.get("budget_id").asText()).isEqualTo(budgetId);
        assertThat(row.get("litellm_budget_table").get("max_budget").decimalValue())
                .isEqualByComparingTo("0");
        assertThat(row.get("litellm_budget_table").get("rpm_limit").asLong()).isEqualTo(7);
    }

    @BothDatabases
    void updateMaxBudgetOnASharedTierGivesTheCustomerAPrivateCopy(String kind) throws Exception {
        AdminApiFixture f = fixture(kind);
        String tier = id("tier");
        f.post("/budget/new", obj("budget_id", tier, "max_budget", 10, "tpm_limit", 1000, "budget_duration", "7d"));
        String a = id("c");
        String b = id("c");
        f.post("/customer/new", obj("user_id", a, "budget_id", tier));
        f.post("/customer/new", obj("user_id", b, "budget_id", tier));

        JsonNode row = f.post("/customer/update", obj("user_id", a, "max_budget", 25));
        JsonNode own = row.get("litellm_budget_table");
        assertThat(row.get("budget_id").asText()).isNotEqualTo(tier);
        assertThat(own.get("max_budget").decimalValue()).isEqualByComparingTo("25");
        assertThat(own.get("tpm_limit").asLong()).isEqualTo(1000);
        assertThat(own.get("budget_duration").asText()).isEqualTo("7d");
        assertThat(own.get("budget_reset_at").asText()).isEqualTo("2025-03-17T00:00:00Z");
        // The tier and the other customer on it are unchanged.
        JsonNode other = f.get("/customer/info", "end_user_id", b).get("litellm_budget_table");
        assertThat(other.get("budget_id").asText()).isEqualTo(tier);
        assertThat(other.get("max_budget").decimalValue()).isEqualByComparingTo("10");
    }

    @BothDatabases
    void updateMaxBudgetWithoutABudgetCopiesTheDefaultBudgetsLimits(String kind) throws Exception {
        AdminApiFixture f = fixture(kind);
        if (f.post("/budget/info", obj("budgets", List.of(AdminApiFixture.DEFAULT_BUDGET)))
                .isEmpty()) {
            f.post("/budget/new", obj("budget_id", AdminApiFixture.DEFAULT_BUDGET, "max_budget", 1, "rpm_limit", 3));
        }
        String id = id("c");
        f.post("/customer/new", obj("user_id", id));
        JsonNode table = f.post("/customer/update", obj("user_id", id, "max_budget", "4"))
                .get("litellm_budget_table");
        assertThat(table.get("budget_id").asText()).isNotEqualTo(AdminApiFixture.DEFAULT_BUDGET);
        assertThat(table.get("max_budget").decimalValue()).isEqualByComparingTo("4");
        assertThat(table.get("rpm_limit").asLong()).isEqualTo(3);
        assertThat(table.get("created_by").asText()).isEqualTo(AdminApiFixture.ACTOR);
    }

    @BothDatabases
    void updateBudgetIdRelinksAndUnknownBudgetIs404(String kind) throws Exception {
        AdminApiFixture f = fixture(kind);
        String tier = id("tier");
        f.post("/budget/new", obj("budget_id", tier, "rpm_limit", 9));
        String id = id("c");
        f.post("/customer/new", obj("user_id", id));
        JsonNode row = f.post("/customer/update", obj("user_id", id, "budget_id", tier));
        assertThat(row.get("budget_id").asText()).isEqualTo(tier);
        assertThat(row.get("litellm_budget_table").get("rpm_limit").asLong()).isEqualTo(9);
        error(f.postCall("/customer/update", obj("user_id", id, "budget_id", "nope")))
                .is(404, "not_found", "budget_id", "Budget with id 'nope' does not exist.");
        error(f.postCall("/customer/update", obj("user_id", id, "budget_id", tier, "max_budget", 1)))
                .is(400, "bad_request", "max_budget", "Set either 'max_budget' or 'budget_id', not both.");
    }

    @BothDatabases
    void deleteIsAllOrNothingAndKeepsHistoryAndBudgets(String kind) throws Exception {
        AdminApiFixture f = fixture(kind);
        String a = id("c");
        String b = id("c");
        String budgetId = f.post("/customer/new", obj("user_id", a, "max_budget", 1))
                .get("budget_id")
                .asText();
        f.post("/customer/new", obj("user_id", b));
        f.daily(a, "2025-03-14", "gpt-4o", 1, 1, 0, 10, 20, 5);

        error(f.postCall("/customer/delete", obj("user_ids", List.of(a, "non-existent-user-1", "non-existent-user-2"))))
                .is(
                        404,
                        "not_found",
                        "user_ids",
                        "End User Id(s)=non-existent-user-1, non-existent-user-2 do not exist in db");
        assertThat(f.get("/customer/info", "end_user_id", a).get("user_id").asText())
                .isEqualTo(a);

        f.published.clear();
        JsonNode result = f.post("/end_user/delete", obj("user_ids", List.of(a, b)));
        assertJson(
                result,
                "{\"deleted_customers\":2,\"message\":\"Successfully deleted customers with ids: ['" + a + "', '" + b
                        + "']\"}");
        assertThat(f.published).containsExactly(a, b);
        error(f.getCall("/customer/info", "end_user_id", a))
                .is(404, "not_found", "end_user_id", "End User Id=" + a + " does not exist in db");
        assertThat(f.count("SELECT COUNT(*) FROM tg_daily_customer_spend WHERE customer_id = ?", a))
                .isEqualTo(1);
        assertThat(f.count("SELECT COUNT(*) FROM tg_budget WHERE budget_id = ?", budgetId))
                .isEqualTo(1);
    }

    @BothDatabases
    void deleteWithoutIdsIs400(String kind) throws Exception {
        AdminApiFixture f = fixture(kind);
        error(f.postCall("/customer/delete", obj("user_ids", List.of())))
                .is(400, "invalid_request_error", "user_ids", "user_ids is required");
        error(f.postCall("/customer/delete", obj()))
                .is(400, "invalid_request_error", "user_ids", "user_ids is required");
    }

    @BothDatabases
    void listPagesAndFiltersByIdOrAliasPrefix(String kind) throws Exception {
        AdminApiFixture f = fixture(kind);
        String prefix = id("lst");
        String tier = id("tier");
        f.post("/budget/new", obj("budget_id", tier, "max_budget", 3));
        f.post("/customer/new", obj("user_id", prefix + "-b", "alias", "Beta"));
        f.post("/customer/new", obj("user_id", prefix + "-a", "budget_id", tier));
        // Found by its alias, whose start matches in any case.
        f.post("/customer/new", obj("user_id", id("other"), "alias", prefix.toUpperCase() + " Gamma"));
        f.post("/customer/new", obj("user_id", id("nomatch"), "alias", "Gamma " + prefix));

        JsonNode all = f.get("/customer/list", "q", prefix);
        assertThat(all).hasSize(3);
        assertThat(texts(all, "user_id").subList(0, 2)).containsExactly(prefix + "-a", prefix + "-b");
        assertThat(all.get(0).get("litellm_budget_table").get("budget_id").asText())
                .isEqualTo(tier);
        assertThat(all.get(0).has("object_permission_id")).isTrue();

        assertThat(texts(f.get("/end_user/list", "q", prefix, "page", "2", "page_size", "1"), "user_id"))
                .containsExactly(prefix + "-b");
        assertThat(f.get("/customer/list", "q", "beta")).isNotEmpty();
        assertThat(f.get("/customer/list", "q", "%")).isEmpty(); // LIKE wildcards are literal
        assertThat(f.get("/customer/list").size()).isGreaterThanOrEqualTo(3);
        error(f.getCall("/customer/list", "page_size", "1001"))
                .is(
                        400,
                        "invalid_request_error",
                        "page_size",
                        "page_size must be an integer between 1 and 1000. Received: 1001");
        error(f.getCall("/customer/list", "page", "0"))
                .is(
                        400,
                        "invalid_request_error",
                        "page",
                        "page must be an integer between 1 and 2147483647. Received: 0");
    }

    @BothDatabases
    void listFiltersByWhereCustomersStandAgainstTheirBudget(String kind) throws Exception {
        AdminApiFixture f = fixture(kind);
        String p = id("st");
        // The default end-user budget: $1, without a soft budget (created once per database).
        if (f.post("/budget/info", obj("budgets", List.of(AdminApiFixture.DEFAULT_BUDGET)))
                .isEmpty()) {
            f.post("/budget/new", obj("budget_id", AdminApiFixture.DEFAULT_BUDGET, "max_budget", 1, "rpm_limit", 3));
        }
        String tier = p + "-tier";
        f.post("/budget/new", obj("budget_id", tier, "max_budget", 10, "soft_budget", 8));
        f.post("/customer/new", obj("user_id", p + "-fresh", "budget_id", tier, "spend", "1"));
        f.post("/customer/new", obj("user_id", p + "-near", "budget_id", tier, "spend", "8"));
        f.post("/customer/new", obj("user_id", p + "-at-max", "budget_id", tier, "spend", "10"));
        f.post("/customer/new", obj("user_id", p + "-own-over", "max_budget", 2, "spend", "2.5"));
        f.post("/customer/new", obj("user_id", p + "-default-over", "spend", "1"));
        f.post("/customer/new", obj("user_id", p + "-default-ok", "spend", "0.5"));
        f.post("/customer/new", obj("user_id", p + "-blocked", "budget_id", tier, "spend", "20", "blocked", true));

        assertThat(texts(f.get("/customer/list", "q", p, "status", "over_budget"), "user_id"))
                .containsExactly(p + "-at-max", p + "-default-over", p + "-own-over");
        assertThat(texts(f.get("/customer/list", "q", p, "status", "near_limit"), "user_id"))
                .containsExactly(p + "-near");
        assertThat(texts(f.get("/customer/list", "q", p, "status", "blocked"), "user_id"))
                .containsExactly(p + "-blocked");
        assertThat(texts(f.get("/customer/list", "q", p, "status", "active"), "user_id"))
                .containsExactly(p + "-default-ok", p + "-fresh");
        assertThat(f.get("/customer/list", "q", p)).hasSize(7);
        error(f.getCall("/customer/list", "status", "broke"))
                .is(
                        400,
                        "invalid_request_error",
                        "status",
                        "status must be one of blocked, over_budget, near_limit, active. Received: broke");

        JsonNode budgets = f.get("/budget/list");
        for (JsonNode b : budgets) {
            assertThat(b.get("is_default").asBoolean())
                    .as(b.get("budget_id").asText())
                    .isEqualTo(b.get("budget_id").asText().equals(AdminApiFixture.DEFAULT_BUDGET));
        }
    }

    @BothDatabases
    void blockUpsertsAndUnblockIsSymmetric(String kind) throws Exception {
        AdminApiFixture f = fixture(kind);
        String known = id("c");
        String unknown = id("c");
        f.post("/customer/new", obj("user_id", known, "alias", "K"));
        f.published.clear();

        JsonNode blocked = f.post("/customer/block", obj("user_ids", List.of(unknown, known)))
                .get("blocked_users");
        assertThat(texts(blocked, "user_id")).containsExactlyInAnyOrder(known, unknown);
        assertThat(texts(blocked, "blocked")).containsOnly("true");
        assertThat(f.published).containsExactlyInAnyOrder(known, unknown);
        assertThat(f.get("/customer/info", "end_user_id", unknown)
                        .get("blocked")
                        .asBoolean())
                .isTrue();
        assertThat(f.get("/customer/info", "end_user_id", known).get("alias").asText())
                .isEqualTo("K");
        // Blocking again is idempotent.
        assertThat(f.post("/end_user/block", obj("user_ids", List.of(known))).get("blocked_users"))
                .hasSize(1);

        f.published.clear();
        JsonNode unblocked = f.post("/customer/unblock", obj("user_ids", List.of(known, unknown)))
                .get("unblocked_users");
        assertThat(texts(unblocked, "blocked")).containsOnly("false");
        assertThat(f.published).containsExactlyInAnyOrder(known, unknown);
        assertThat(f.get("/customer/info", "end_user_id", known).get("blocked").asBoolean())
                .isFalse();
    }

    @BothDatabases
    void unblockOfAnUnknownIdChangesNothing(String kind) throws Exception {
        AdminApiFixture f = fixture(kind);
        String known = id("c");
        f.post("/customer/block", obj("user_ids", List.of(known)));
        error(f.postCall("/end_user/unblock", obj("user_ids", List.of(known, "ghost-1"))))
                .is(404, "not_found", "user_ids", "End User Id(s)=ghost-1 do not exist in db");
        assertThat(f.get("/customer/info", "end_user_id", known).get("blocked").asBoolean())
                .isTrue();
        error(f.postCall("/customer/block", obj("user_ids", List.of())))
                .is(400, "invalid_request_error", "user_ids", "user_ids is required");
    }

    @BothDatabases
    void routing(String kind) throws Exception {
        AdminApiFixture f = fixture(kind);
        assertThat(AdminApi.handles("/customer/new")).isTrue();
        assertThat(AdminApi.handles("/end_user/info")).isTrue();
        assertThat(AdminApi.handles("/budget/list")).isTrue();
        assertThat(AdminApi.handles("/v1/chat/completions")).isFalse();
        assertThat(AdminApi.handles("/customers")).isFalse();

        AdminApiFixture.Rendered unknown = error(f.postCall("/customer/frobnicate", obj()));
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.error().get("code").asText()).isEqualTo("route_not_found");
        assertThat(unknown.error().get("message").asText()).isEqualTo("Route not found: POST /customer/frobnicate");

        AdminApiFixture.Rendered wrong = error(f.getCall("/customer/new"));
        assertThat(wrong.status()).isEqualTo(405);
        assertThat(wrong.error().get("code").asText()).isEqualTo("method_not_allowed");
        assertThat(wrong.exception().headers()).containsEntry("allow", "POST");
        assertThat(error(f.postCall("/budget/list", obj())).status()).isEqualTo(405);
    }
}
