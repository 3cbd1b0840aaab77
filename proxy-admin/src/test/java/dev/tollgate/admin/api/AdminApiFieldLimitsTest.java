package dev.tollgate.admin.api;

import static dev.tollgate.admin.api.AdminApiFixture.error;
import static dev.tollgate.admin.api.AdminApiFixture.id;
import static dev.tollgate.admin.api.AdminApiFixture.list;
import static dev.tollgate.admin.api.AdminApiFixture.obj;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Admin text fields against their columns: a value that does not fit is a 400 naming the field,
 * decided before the database (never SQLSTATE 22001 as a 500), and a value exactly at the width
 * is stored and read back unchanged by both databases.
 */
class AdminApiFieldLimitsTest extends AdminApiTestBase {
    private static final String EMOJI = "\uD83D\uDE00";

    /** A unique id of exactly 256 UTF-16 code units, mostly emoji (fewer than 256 characters). */
    private static String emojiIdOfWidth256() {
        String prefix = id("e") + "-";
        String s = prefix + EMOJI.repeat((256 - prefix.length()) / 2);
        return s.length() < 256 ? s + "x" : s;
    }

    @BothDatabases
    void tooLongCustomerIdIs400OnUserIdBeforeTheDatabase(String kind) throws Exception {
        AdminApiFixture f = fixture(kind);
        AdminApiFixture.Rendered r = error(f.postCall("/customer/new", obj("user_id", "u".repeat(300))));
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.error().get("param").asText()).isEqualTo("user_id");
        assertThat(r.error().get("message").asText()).startsWith("Invalid user_id: longer than 256 UTF-16 code units");
        // 200 emoji are 200 characters but 400 code units: refused here as on calls.
        assertThat(error(f.postCall("/customer/new", obj("user_id", EMOJI.repeat(200))))
                        .error()
                        .get("param")
                        .asText())
                .isEqualTo("user_id");
    }

    @BothDatabases
    void customerIdOfExactlyTheColumnWidthIsStoredAndReadBackUnchanged(String kind) throws Exception {
        AdminApiFixture f = fixture(kind);
        String id = emojiIdOfWidth256();
        assertThat(id).hasSize(256);
        assertThat(f.post("/customer/new", obj("user_id", id)).get("user_id").asText())
                .isEqualTo(id);
        assertThat(f.get("/customer/info", "end_user_id", id).get("user_id").asText())
                .isEqualTo(id);
    }

    @BothDatabases
    void customerNewRefusesTheIdsCallsRefuse(String kind) throws Exception {
        AdminApiFixture f = fixture(kind);
        error(f.postCall("/customer/new", obj("user_id", "a\u0000b")))
                .is(
                        400,
                        "invalid_request_error",
                        "user_id",
                        "Invalid user_id: contains the control character U+0000 at index 1");
        error(f.postCall("/customer/new", obj("user_id", "line\nbreak")))
                .is(
                        400,
                        "invalid_request_error",
                        "user_id",
                        "Invalid user_id: contains the control character U+000A at index 4");
        error(f.postCall("/customer/new", obj("user_id", "x\uD83D")))
                .is(
                        400,
                        "invalid_request_error",
                        "user_id",
                        "Invalid user_id: contains an unpaired surrogate (U+D83D) at index 1");
    }

    @BothDatabases
    void tooLongBudgetIdIs400OnBothRoutesThatCreateOrLinkOne(String kind) throws Exception {
        AdminApiFixture f = fixture(kind);
        String longId = "b".repeat(10_000);
        for (String path : new String[] {"/budget/new", "/budget/update"}) {
            AdminApiFixture.Rendered r = error(f.postCall(path, obj("budget_id", longId, "max_budget", 1)));
            assertThat(r.status()).as(path).isEqualTo(400);
            assertThat(r.error().get("param").asText()).isEqualTo("budget_id");
            assertThat(r.error().get("message").asText()).startsWith("Invalid budget_id: longer than 256");
        }
        AdminApiFixture.Rendered linked =
                error(f.postCall("/customer/new", obj("user_id", id("c"), "budget_id", longId)));
        assertThat(linked.status()).isEqualTo(400);
        assertThat(linked.error().get("param").asText()).isEqualTo("budget_id");
    }

    @BothDatabases
    void tooLongAliasIs400OnNewAndUpdateAndAFullWidthAliasIsKept(String kind) throws Exception {
        AdminApiFixture f = fixture(kind);
        String id = id("c");
        String huge = "a".repeat(100_000);
        AdminApiFixture.Rendered r = error(f.postCall("/customer/new", obj("user_id", id, "alias", huge)));
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.error().get("param").asText()).isEqualTo("alias");
        f.post("/customer/new", obj("user_id", id));
        assertThat(error(f.postCall("/customer/update", obj("user_id", id, "alias", huge)))
                        .error()
                        .get("param")
                        .asText())
                .isEqualTo("alias");
        String full = EMOJI.repeat(256); // 512 code units: exactly alias's width
        JsonNode row = f.post("/customer/update", obj("user_id", id, "alias", full));
        assertThat(row.get("alias").asText()).isEqualTo(full);
        assertThat(f.get("/customer/info", "end_user_id", id).get("alias").asText())
                .isEqualTo(full);
        assertThat(error(f.postCall("/customer/update", obj("user_id", id, "alias", full + "a")))
                        .status())
                .isEqualTo(400);
    }

    @BothDatabases
    void nulInAFreeTextFieldIs400BecausePostgresCannotStoreIt(String kind) throws Exception {
        AdminApiFixture f = fixture(kind);
        error(f.postCall("/customer/new", obj("user_id", id("c"), "alias", "a\u0000b")))
                .is(
                        400,
                        "invalid_request_error",
                        "alias",
                        "Invalid alias: contains the control character U+0000 at index 1");
    }

    @BothDatabases
    void blockWithATooLongIdIs400AndCreatesNothing(String kind) throws Exception {
        AdminApiFixture f = fixture(kind);
        String ok = id("c");
        AdminApiFixture.Rendered r = error(f.postCall("/customer/block", obj("user_ids", list(ok, "x".repeat(257)))));
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.error().get("param").asText()).isEqualTo("user_ids");
        assertThat(r.error().get("message").asText()).startsWith("Invalid id in user_ids: longer than 256");
        error(f.getCall("/customer/info", "end_user_id", ok))
                .is(404, "not_found", "end_user_id", "End User Id=" + ok + " does not exist in db");
    }
}
