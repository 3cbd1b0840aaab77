package dev.tollgate.admin.api;

import static dev.tollgate.admin.api.AdminApiFixture.assertJson;
import static dev.tollgate.admin.api.AdminApiFixture.error;
import static dev.tollgate.admin.api.AdminApiFixture.id;
import static dev.tollgate.admin.api.AdminApiFixture.json;
import static dev.tollgate.admin.api.AdminApiFixture.obj;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.core.limits.AccountSnapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** {@code /customer/new}, {@code /customer/info} and the {@code /end_user/*} aliases. */
class AdminApiCustomerTest extends AdminApiTestBase {

    @BothDatabases
    void newReturnsTheRowWithNullsKeptAndPublishesTheId(String kind) throws Exception {
        AdminApiFixture f = fixture(kind);
        String id = id("c");
        JsonNode row = f.post("/customer/new", obj("user_id", id));
        assertJson(
                row,
                "{\"user_id\":\"" + id + "\",\"alias\":null,\"spend\":0.0,"
                        + "\"allowed_model_region\":null,\"default_model\":null,\"budget_id\":null,\"object_permission_id\":null,"
                        + "\"blocked\":false,\"litellm_budget_table\":null,\"object_permission\":null}");
        assertThat(f.published).contains(id);
    }

    @BothDatabases
    void newWithAllProfileFields(String kind) throws Exception {
        AdminApiFixture f = fixture(kind);
        String id = id("c");
        JsonNode row = f.post(
                "/customer/new",
                obj(
                        "user_id",
                        id,
                        "alias",
                        "Acme",
                        "blocked",
                        true,
                        "spend",
                        "1.5",
                        "allowed_model_region",
                        "eu",
                        "default_model",
                        "gpt-4o",
                        "object_permission",
                        null));
        assertThat(row.get("alias").asText()).isEqualTo("Acme");
        assertThat(row.get("blocked").asBoolean()).isTrue();
        assertThat(row.get("spend").decimalValue()).isEqualByComparingTo("1.5");
        assertThat(row.get("allowed_model_region").asText()).isEqualTo("eu");
        assertThat(row.get("default_model").asText()).isEqualTo("gpt-4o");
    }

    @BothDatabases
    void newWithInlineBudgetFieldsCreatesABudgetWithACalendarAlignedReset(String kind) throws Exception {
        AdminApiFixture f = fixture(kind);
        String id = id("c");
        JsonNode row = f.post(
                "/customer/new", obj("user_id", id, "max_budget", 10, "tpm_limit", 100, "budget_duration", "30d"));
        JsonNode budget = row.get("litellm_budget_table");
        assertThat(row.get("budget_id").asText())
                .isNotBlank()
                .isEqualTo(budget.get("budget_id").asText());
        assertThat(budget.get("max_budget").toString()).isEqualTo("10.0");
        assertThat(budget.get("tpm_limit").asLong()).isEqualTo(100);
        assertThat(budget.get("rpm_limit").isNull()).isTrue();
        assertThat(budget.get("budget_duration").asText()).isEqualTo("30d");
        // 30d resets on the 1st of the next month (calendar-aligned), not now + 30 days.
        assertThat(budget.get("budget_reset_at").asText()).isEqualTo("2025-04-01T00:00:00Z");
        assertThat(budget.get("created_by").asText()).isEqualTo(AdminApiFixture.ACTOR);
        assertThat(budget.get("created_at").asText()).isEqualTo("2025-03-15T10:20:30Z");
        JsonNode stored = f.post(
                "/budget/info", obj("budgets", List.of(row.get("budget_id").asText())));
        assertThat(stored).hasSize(1);
    }

    @BothDatabases
    void maxBudgetAsTheStringZeroIsAccepted(String kind) throws Exception {
        AdminApiFixture f = fixture(kind);
        JsonNode row = f.post("/customer/new", obj("user_id", id("c"), "max_budget", "0"));
        JsonNode max = row.get("litellm_budget_table").get("max_budget");
        assertThat(max.isNumber()).isTrue();
        assertThat(max.decimalValue()).isEqualByComparingTo("0");
    }

    @BothDatabases
    void maxBudgetIsExactForDecimalUsd(String kind) throws Exception {
        AdminApiFixture f = fixture(kind);
        JsonNode row = f.post("/customer/new", obj("user_id", id("c"), "max_budget", json("0.000001413")));
        assertThat(row.get("litellm_budget_table").get("max_budget").decimalValue())
                .isEqualByComparingTo("0.000001413");
    }

    @BothDatabases
    void newRejectsNegativeOrNonNumericMaxBudget(String kind) throws Exception {
        AdminApiFixture f = fixture(kind);
        error(f.postCall("/customer/new", obj("user_id", id("c"), "max_budget", -1)))
                .is(
                        400,
                        "invalid_request_error",
                        "max_budget",
                        "max_budget must be a non-negative finite number. Received: -1");
        error(f.postCall("/customer/new", obj("user_id", id("c"), "max_budget", "NaN")))
                .is(
                        400,
                        "invalid_request_error",
                        "max_budget",
                        "max_budget must be a non-negative finite number. Received: NaN");
    }

    @BothDatabases
    void newRejectsMaxBudgetTogetherWithBudgetId(String kind) throws Exception {
        AdminApiFixture f = fixture(kind);
        String id = id("c");
        error(f.postCall("/customer/new", obj("user_id", id, "max_budget", 5, "budget_id", "whatever")))
                .is(400, "bad_request", "max_budget", "Set either 'max_budget' or 'budget_id', not both.");
        error(f.getCall("/customer/info", "end_user_id", id))
                .is(404, "not_found", "end_user_id", "End User Id=" + id + " does not exist in db");
    }

    @BothDatabases
    void newWithUnknownBudgetIdIs404(String kind) throws Exception {
        AdminApiFixture f = fixture(kind);
        error(f.postCall("/customer/new", obj("user_id", id("c"), "budget_id", "no-such-tier")))
                .is(404, "not_found", "budget_id", "Budget with id 'no-such-tier' does not exist.");
    }

    @BothDatabases
    void newWithUnknownDefaultModelIs422WithLitellmsText(String kind) throws Exception {
        AdminApiFixture f = fixture(kind);
        error(f.postCall("/customer/new", obj("user_id", id("c"), "default_model", "gpt-5")))
                .is(
                        422,
                        "unprocessable_entity",
                        "default_model",
                        "Default Model not on proxy. Configure via `/model/new` or config.yaml. Default_model=gpt-5,"
                                + " proxy_model_names={'gpt-4o', 'gpt-4o-mini'}");
    }

    @BothDatabases
    void newValidatesRegionDurationAndUserId(String kind) throws Exception {
        AdminApiFixture f = fixture(kind);
        error(f.postCall("/customer/new", obj("user_id", id("c"), "allowed_model_region", "asia")))
                .is(
                        400,
                        "invalid_request_error",
                        "allowed_model_region",
                        "allowed_model_region must be 'eu' or 'us'. Received: asia");
        AdminApiFixture.Rendered bad =
                error(f.postCall("/customer/new", obj("user_id", id("c"), "budget_duration", "often")));
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.error().get("param").asText()).isEqualTo("budget_duration");
        assertThat(bad.error().get("message").asText()).contains("often");
        error(f.postCall("/customer/new", obj("alias", "x")))
                .is(400, "invalid_request_error", "user_id", "user_id is required");
        error(f.postCall("/customer/new", obj("user_id", 42)))
                .is(400, "invalid_request_error", "user_id", "user_id must be a string. Received: 42");
    }

    @BothDatabases
    void bodyMustBeAJsonObject(String kind) throws Exception {
        AdminApiFixture f = fixture(kind);
        error(f.postCall("/customer/new", null))
                .is(400, "invalid_request_error", null, "Request body must be a JSON object.");
        error(f.postCall("/budget/new", json("[1]")))
                .is(400, "invalid_request_error", null, "Request body must be a JSON object.");
    }

    @BothDatabases
    void duplicateIs400BadRequestOnBothRoutes(String kind) throws Exception {
        AdminApiFixture f = fixture(kind);
        String id = id("c");
        f.post("/customer/new", obj("user_id", id));
        String message = "Customer already exists, passed user_id=" + id + ". Please pass a new user_id.";
        error(f.postCall("/customer/new", obj("user_id", id))).is(400, "bad_request", "user_id", message);
        error(f.postCall("/end_user/new", obj("user_id", id))).is(400, "bad_request", "user_id", message);
    }

    @BothDatabases
    void duplicateWithInlineBudgetLeavesNoOrphanBudget(String kind) throws Exception {
        AdminApiFixture f = fixture(kind);
        String id = id("c");
        f.post("/customer/new", obj("user_id", id));
        long before = f.count("SELECT COUNT(*) FROM tg_budget WHERE created_by <> ?", "nobody");
        error(f.postCall("/customer/new", obj("user_id", id, "max_budget", 3)));
        assertThat(f.count("SELECT COUNT(*) FROM tg_budget WHERE created_by <> ?", "nobody"))
                .isEqualTo(before);
    }

    @BothDatabases
    void tenConcurrentCreatesOfDistinctIdsAllSucceed(String kind) throws Exception {
        AdminApiFixture f = fixture(kind);
        ExecutorService pool = Executors.newFixedThreadPool(10);
        try {
            List<Callable<JsonNode>> calls = new ArrayList<>();
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                String id = id("par");
                ids.add(id);
                calls.add(() -> f.post(
                        "/end_user/new", obj("user_id", id, "allowed_model_region", null, "default_model", null)));
            }
            List<String> created = new ArrayList<>();
            for (Future<JsonNode> r : pool.invokeAll(calls)) {
                created.add(r.get().get("user_id").asText());
            }
            assertThat(created).containsExactlyInAnyOrderElementsOf(ids);
            for (String id : ids) {
                assertThat(f.get("/customer/info", "end_user_id", id)
                                .get("user_id")
                                .asText())
                        .isEqualTo(id);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @BothDatabases
    void walkthroughBudgetThenCustomerThenInfoShowsTheBudgetTable(String kind) throws Exception {
        AdminApiFixture f = fixture(kind);
        String tier = id("free-tier");
        f.post(
                "/budget/new",
                obj("budget_id", tier, "max_budget", json("2.5"), "rpm_limit", 2, "budget_duration", "1d"));
        String id = id("c");
        JsonNode created = f.post("/end_user/new", obj("user_id", id, "budget_id", tier));
        assertThat(created.get("budget_id").asText()).isEqualTo(tier);

        JsonNode info = f.get("/customer/info", "end_user_id", id);
        assertThat(List.of(info.fieldNames().next())).containsExactly("user_id");
        List<String> fields = new ArrayList<>();
        info.fieldNames().forEachRemaining(fields::add);
        assertThat(fields)
                .containsExactly(
                        "user_id",
                        "blocked",
                        "alias",
                        "spend",
                        "allowed_model_region",
                        "default_model",
                        "budget_id",
                        "litellm_budget_table");
        JsonNode table = info.get("litellm_budget_table");
        List<String> budgetFields = new ArrayList<>();
        table.fieldNames().forEachRemaining(budgetFields::add);
        assertThat(budgetFields)
                .containsExactly(
                        "budget_id",
                        "max_budget",
                        "soft_budget",
                        "max_parallel_requests",
                        "tpm_limit",
                        "rpm_limit",
                        "model_max_budget",
                        "budget_duration",
                        "budget_reset_at",
                        "created_at",
                        "created_by",
                        "updated_at",
                        "updated_by");
        assertThat(table.get("budget_id").asText()).isEqualTo(tier);
        assertThat(table.get("max_budget").toString()).isEqualTo("2.5");
        assertThat(table.get("rpm_limit").asLong()).isEqualTo(2);
        assertThat(table.get("budget_reset_at").asText()).isEqualTo("2025-03-16T00:00:00Z");
        assertThat(info.get("alias").isNull()).isTrue();
        assertThat(info.get("spend").toString()).isEqualTo("0.0");
    }

    @BothDatabases
    void infoErrors(String kind) throws Exception {
        AdminApiFixture f = fixture(kind);
        error(f.getCall("/customer/info")).is(400, "invalid_request_error", "end_user_id", "end_user_id is required");
        error(f.getCall("/customer/info", "end_user_id", "non-existent-user"))
                .is(404, "not_found", "end_user_id", "End User Id=non-existent-user does not exist in db");
        error(f.getCall("/end_user/info", "end_user_id", "non-existent-user"))
                .is(404, "not_found", "end_user_id", "End User Id=non-existent-user does not exist in db");
    }

    @BothDatabases
    void infoSpendComesFromTheLimitStoreWhenItHoldsTheAccount(String kind) throws Exception {
        AdminApiFixture f = fixture(kind);
        String id = id("c");
        f.post("/customer/new", obj("user_id", id, "spend", "1"));
        long periodEnd = AdminApiFixture.NOW.toEpochMilli() + 60_000;
        f.limits.snapshots.put(id, new AccountSnapshot(true, 2_500_000_000L, 7, periodEnd));
        f.limits.pending.put(id, 999L);
        assertThat(f.get("/customer/info", "end_user_id", id).get("spend").decimalValue())
                .isEqualByComparingTo("2.5");
    }

    @BothDatabases
    void infoSpendAfterTheStoresPeriodEndedIsZero(String kind) throws Exception {
        AdminApiFixture f = fixture(kind);
        String id = id("c");
        f.post("/customer/new", obj("user_id", id));
        long ended = AdminApiFixture.NOW.toEpochMilli() - 1;
        f.limits.snapshots.put(id, new AccountSnapshot(true, 2_500_000_000L, 0, ended));
        assertThat(f.get("/customer/info", "end_user_id", id).get("spend").decimalValue())
                .isEqualByComparingTo("0");
    }

    @BothDatabases
    void infoSpendWithoutAnAccountIsPersistedPlusPending(String kind) throws Exception {
        AdminApiFixture f = fixture(kind);
        String id = id("c");
        f.post("/customer/new", obj("user_id", id, "spend", json("0.25")));
        f.limits.pending.put(id, 1_413_000L);
        assertThat(f.get("/customer/info", "end_user_id", id).get("spend").decimalValue())
                .isEqualByComparingTo("0.251413");
    }

    @BothDatabases
    void infoSpendFallsBackToPersistedWhenTheStoreIsUnreachable(String kind) throws Exception {
        AdminApiFixture f = fixture(kind);
        String id = id("c");
        f.post("/customer/new", obj("user_id", id, "spend", json("0.25")));
        f.limits.unreachable.put(id, true);
        assertThat(f.get("/customer/info", "end_user_id", id).get("spend").decimalValue())
                .isEqualByComparingTo("0.25");
    }
}
