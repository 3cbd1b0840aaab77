package dev.tollgate.server.budget;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.server.TestProxy;
import dev.tollgate.testing.LeakGuard;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Where a call's customer comes from, end to end: {@code safety_identifier} (what today's OpenAI
 * SDKs send) is tracked and budgeted like {@code user}, the order is configurable, ids obey the
 * same rule on calls and in the admin API, and a call that names no customer is counted and can
 * be refused.
 */
class CustomerIdSourcesTest {
    static {
        LeakGuard.install();
    }

    private static final String EMOJI = "\uD83D\uDE00";

    static Backend backend;
    static Backend strictBackend;
    static TestProxy proxy;
    static TestProxy strict;
    static Api api;
    static Api strictApi;

    @BeforeAll
    static void start() throws Exception {
        backend = Backend.create(Mode.EMBEDDED);
        proxy = backend.start("model_list:\n" + Configs.mockModel("m", "fine, thanks")
                + "general_settings:\n  master_key: " + Api.KEY + "\n");
        api = new Api(proxy);
        strictBackend = Backend.create(Mode.EMBEDDED);
        strict = strictBackend.start("model_list:\n" + Configs.mockModel("m", "fine, thanks")
                + "general_settings:\n  master_key: " + Api.KEY + "\n"
                + "  customer_id_sources: [safety_identifier, user]\n"
                + "  require_customer_id: true\n");
        strictApi = new Api(strict);
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        strict.close();
        backend.close();
        strictBackend.close();
        LeakGuard.assertNoLeaks();
    }

    private static String body(String identity) {
        return "{\"model\":\"m\"," + identity + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    }

    private static long ok(Api on, String identity) throws Exception {
        HttpResponse<String> r = on.post("/chat/completions", body(identity));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return Api.cost(r);
    }

    private static JsonNode error(HttpResponse<String> r, int status) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        return Api.parse(r.body()).get("error");
    }

    private static long unattributed(TestProxy p) {
        Matcher m = Pattern.compile("(?m)^tollgate_unattributed_requests_total (\\S+)$")
                .matcher(p.server().metrics().scrape());
        assertThat(m.find()).isTrue();
        return (long) Double.parseDouble(m.group(1));
    }

    @Test
    void safetyIdentifierAloneNamesTheCustomerAndItsSpendIsTracked() throws Exception {
        long c = ok(api, "\"safety_identifier\":\"sid-1\"");
        assertThat(api.spendNanos("sid-1")).isEqualTo(c);
    }

    @Test
    void safetyIdentifierCustomerIsHeldToItsBudget() throws Exception {
        api.ok("/customer/new", "{\"user_id\": \"sid-broke\", \"max_budget\": 0}");
        HttpResponse<String> r = api.post("/chat/completions", body("\"safety_identifier\":\"sid-broke\""));
        WalkthroughTest.assertBudgetExceeded(r, "sid-broke", "0.0", "0.0");
    }

    @Test
    void byDefaultUserComesBeforeSafetyIdentifier() throws Exception {
        long c = ok(api, "\"user\":\"u-2\",\"safety_identifier\":\"sid-2\"");
        assertThat(api.spendNanos("u-2")).isEqualTo(c);
        assertThat(api.get("/customer/info?end_user_id=sid-2").statusCode()).isEqualTo(404);
    }

    @Test
    void theConfiguredOrderPutsSafetyIdentifierFirst() throws Exception {
        long c = ok(strictApi, "\"user\":\"u-3\",\"safety_identifier\":\"sid-3\"");
        assertThat(strictApi.spendNanos("sid-3")).isEqualTo(c);
        assertThat(strictApi.get("/customer/info?end_user_id=u-3").statusCode()).isEqualTo(404);
    }

    @Test
    void aBooleanOrFractionUserIsRefusedInsteadOfBecomingACustomer() throws Exception {
        JsonNode t = error(api.post("/chat/completions", body("\"user\":true")), 400);
        assertThat(t.get("param").asText()).isEqualTo("user");
        assertThat(t.get("message").asText()).contains("'user' must be a string (or an integer)");
        error(api.post("/chat/completions", body("\"user\":1.5e300")), 400);
        assertThat(api.get("/customer/info?end_user_id=true").statusCode()).isEqualTo(404);
        assertThat(api.get("/customer/info?end_user_id=1.5E%2B300").statusCode())
                .isEqualTo(404);
        // An integer is written in decimal, as LiteLLM does.
        long c = ok(api, "\"user\":4242");
        assertThat(api.spendNanos("4242")).isEqualTo(c);
    }

    @Test
    void anIdOverTheColumnInCodeUnitsIsRefusedOnCallsAndInTheAdminApiAlike() throws Exception {
        String twoHundredEmoji = EMOJI.repeat(200);
        JsonNode onCall = error(api.post("/chat/completions", body("\"user\":\"" + twoHundredEmoji + "\"")), 400);
        assertThat(onCall.get("message").asText()).contains("longer than 256 UTF-16 code units (got 400");
        JsonNode onAdmin = error(api.post("/customer/new", "{\"user_id\":\"" + twoHundredEmoji + "\"}"), 400);
        assertThat(onAdmin.get("param").asText()).isEqualTo("user_id");
        for (String bad : new String[] {"nul\\u0000id", "new\\nline"}) {
            error(api.post("/customer/new", "{\"user_id\":\"" + bad + "\"}"), 400);
            error(api.post("/chat/completions", body("\"user\":\"" + bad + "\"")), 400);
        }
    }

    @Test
    void anIdOfExactlyTheColumnWidthIsServedAndItsSpendIsFlushed() throws Exception {
        String id = "wide-" + EMOJI.repeat(125) + "x"; // 5 + 250 + 1 = 256 UTF-16 code units
        assertThat(id).hasSize(256);
        long c = ok(api, "\"user\":\"" + id + "\"");
        proxy.server().flusher().flushNow().get();
        assertThat(proxy.server().flusher().pendingBatchesFailed()).isZero();
        // The flush wrote this customer's row, id intact, in the embedded database (H2).
        try (Connection db = backend.jdbc();
                PreparedStatement q = db.prepareStatement("SELECT spend_nanos FROM tg_customer WHERE user_id = ?")) {
            q.setString(1, id);
            try (ResultSet rs = q.executeQuery()) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getLong(1)).isEqualTo(c);
            }
        }
    }

    @Test
    void aCallNamingNoCustomerIsCountedAndServedByDefault() throws Exception {
        long before = unattributed(proxy);
        ok(api, "\"user\":\"\"");
        HttpResponse<String> plain = api.post("/chat/completions", Api.chatBody("m", null, null));
        assertThat(plain.statusCode()).isEqualTo(200);
        assertThat(unattributed(proxy)).isEqualTo(before + 2);
        ok(api, "\"user\":\"named\"");
        assertThat(unattributed(proxy)).isEqualTo(before + 2);
    }

    @Test
    void requireCustomerIdRefusesACallThatNamesNone() throws Exception {
        long before = unattributed(strict);
        JsonNode e = error(strictApi.post("/chat/completions", Api.chatBody("m", null, null)), 400);
        assertThat(e.get("type").asText()).isEqualTo("invalid_request_error");
        assertThat(e.get("message").asText())
                .isEqualTo("No customer id: this proxy attributes every call to a customer"
                        + " (general_settings.require_customer_id). Send one as 'safety_identifier' or 'user'.");
        assertThat(unattributed(strict)).isEqualTo(before + 1);
        assertThat(strict.server().metrics().scrape())
                .containsPattern("tollgate_refusals_total\\{reason=\"no_customer\"} [1-9]");
        // A header is not a source in this config: it does not satisfy the requirement.
        HttpResponse<String> header = strictApi.post(
                "/chat/completions", Api.chatBody("m", null, null), Map.of("x-litellm-customer-id", "h-1"));
        error(header, 400);
        ok(strictApi, "\"safety_identifier\":\"sid-strict\"");
    }
}
