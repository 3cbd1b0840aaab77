package dev.tollgate.admin.api;

import static dev.tollgate.admin.api.AdminApiFixture.assertJson;
import static dev.tollgate.admin.api.AdminApiFixture.error;
import static dev.tollgate.admin.api.AdminApiFixture.id;
import static dev.tollgate.admin.api.AdminApiFixture.obj;
import static dev.tollgate.admin.api.AdminApiFixture.texts;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;

/** {@code /customer/daily/activity} over {@code tg_daily_customer_spend}. */
class AdminApiActivityTest extends AdminApiTestBase {

    @BothDatabases
    void reportsDailyMetricsWithModelAndCustomerBreakdowns(String kind) throws Exception {
        AdminApiFixture f = fixture(kind);
        String one = id("end-user");
        String two = id("end-user");
        f.post("/customer/new", obj("user_id", one, "alias", "Customer One"));
        f.daily(one, "2025-03-14", "gpt-4o", 3, 2, 1, 100, 50, 1_500_000L);
        f.daily(one, "2025-03-14", "gpt-4o-mini", 1, 1, 0, 10, 5, 20_000L);
        f.daily(two, "2025-03-14", "gpt-4o", 2, 2, 0, 40, 10, 500_000L);
        f.daily(one, "2025-03-13", "gpt-4o", 1, 1, 0, 1, 2, 3L);

        JsonNode r = f.get(
                "/customer/daily/activity",
                "end_user_ids",
                one + "," + two,
                "start_date",
                "2025-03-01",
                "end_date",
                "2025-03-15");
        assertThat(texts(r.get("results"), "date")).containsExactly("2025-03-14", "2025-03-13");
        JsonNode day = r.get("results").get(0);
        assertJson(
                day.get("metrics"),
                "{\"spend\":0.00202,\"prompt_tokens\":150,\"completion_tokens\":65,"
                        + "\"total_tokens\":215,\"api_requests\":6,\"successful_requests\":5,\"failed_requests\":1}");
        assertThat(day.get("breakdown")
                        .get("models")
                        .get("gpt-4o")
                        .get("metrics")
                        .get("api_requests")
                        .asLong())
                .isEqualTo(5);
        JsonNode entity = day.get("breakdown").get("entities").get(one);
        assertThat(entity.get("metrics").get("spend").decimalValue()).isEqualByComparingTo("0.00152");
        assertThat(entity.get("metadata").get("alias").asText()).isEqualTo("Customer One");
        assertThat(day.get("breakdown")
                        .get("entities")
                        .get(two)
                        .get("metadata")
                        .get("alias")
                        .isNull())
                .isTrue();
        assertJson(
                r.get("metadata"),
                "{\"total_spend\":0.002020003,\"total_prompt_tokens\":151,"
                        + "\"total_completion_tokens\":67,\"total_tokens\":218,\"total_api_requests\":7,"
                        + "\"total_successful_requests\":6,\"total_failed_requests\":1,\"page\":1,\"total_pages\":1,\"has_more\":false}");
    }

    @BothDatabases
    void pagesOverDaysAndFilters(String kind) throws Exception {
        AdminApiFixture f = fixture(kind);
        String one = id("end-user");
        String two = id("end-user");
        f.daily(one, "2025-03-10", "gpt-4o", 1, 1, 0, 1, 1, 1L);
        f.daily(one, "2025-03-11", "gpt-4o", 1, 1, 0, 1, 1, 1L);
        f.daily(two, "2025-03-11", "gpt-4o-mini", 1, 1, 0, 1, 1, 1L);
        f.daily(one, "2025-03-12", "gpt-4o-mini", 1, 1, 0, 1, 1, 1L);
        String ids = one + "," + two;

        JsonNode page2 = f.get("/end_user/daily/activity", "end_user_ids", ids, "page", "2", "page_size", "1");
        assertThat(texts(page2.get("results"), "date")).containsExactly("2025-03-11");
        assertThat(page2.get("results").get(0).get("breakdown").get("entities").size())
                .isEqualTo(2);
        assertThat(page2.get("metadata").get("total_pages").asInt()).isEqualTo(3);
        assertThat(page2.get("metadata").get("has_more").asBoolean()).isTrue();
        assertThat(page2.get("metadata").get("total_api_requests").asLong()).isEqualTo(4);

        JsonNode mini = f.get("/customer/daily/activity", "end_user_ids", ids, "model", "gpt-4o-mini");
        assertThat(texts(mini.get("results"), "date")).containsExactly("2025-03-12", "2025-03-11");
        JsonNode withoutTwo = f.get(
                "/customer/daily/activity",
                "end_user_ids",
                ids,
                "exclude_end_user_ids",
                two,
                "start_date",
                "2025-03-11",
                "end_date",
                "2025-03-11");
        assertThat(withoutTwo
                        .get("results")
                        .get(0)
                        .get("breakdown")
                        .get("entities")
                        .has(two))
                .isFalse();
        assertThat(withoutTwo.get("metadata").get("total_api_requests").asLong())
                .isEqualTo(1);
    }

    @BothDatabases
    void defaultsToTheLast30DaysAndValidatesDates(String kind) throws Exception {
        AdminApiFixture f = fixture(kind);
        String one = id("end-user");
        f.daily(one, "2025-02-14", "gpt-4o", 1, 1, 0, 1, 1, 1L); // 29 days before 2025-03-15: included
        f.daily(one, "2025-02-13", "gpt-4o", 1, 1, 0, 1, 1, 1L); // 30 days before: excluded
        JsonNode r = f.get("/customer/daily/activity", "end_user_ids", one);
        assertThat(texts(r.get("results"), "date")).containsExactly("2025-02-14");
        error(f.getCall("/customer/daily/activity", "start_date", "14/03/2025"))
                .is(
                        400,
                        "invalid_request_error",
                        "start_date",
                        "start_date must be a date in YYYY-MM-DD format. Received: 14/03/2025");
        error(f.getCall("/customer/daily/activity", "start_date", "2025-03-10", "end_date", "2025-03-01"))
                .is(
                        400,
                        "invalid_request_error",
                        "start_date",
                        "start_date must not be after end_date. Received: start_date=2025-03-10, end_date=2025-03-01");
        JsonNode none = f.get("/customer/daily/activity", "end_user_ids", id("nobody"));
        assertThat(none.get("results")).isEmpty();
        assertThat(none.get("metadata").get("total_pages").asInt()).isZero();
        assertThat(none.get("metadata").get("total_spend").toString()).isEqualTo("0.0");
    }
}
