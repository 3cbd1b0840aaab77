package dev.tollgate.server.budget;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.server.TestProxy;
import dev.tollgate.testing.LeakGuard;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Customer ids from headers: {@code x-litellm-customer-id} wins over {@code x-litellm-end-user-id}
 * and over body {@code user}; a configured {@code user_header_name} beats the body too. The spend
 * lands on the customer the header names, and only there. Invalid ids are refused.
 */
class CustomerHeaderTest {
    static {
        LeakGuard.install();
    }

    static Backend backend;
    static TestProxy proxy;
    static Api api;

    @BeforeAll
    static void start() throws Exception {
        backend = Backend.create(Mode.EMBEDDED);
        proxy = backend.start("model_list:\n" + Configs.mockModel("m", "fine, thanks")
                + "general_settings:\n  master_key: " + Api.KEY + "\n  user_header_name: X-My-Customer\n");
        api = new Api(proxy);
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        backend.close();
        LeakGuard.assertNoLeaks();
    }

    private static long call(String user, Map<String, String> headers) throws Exception {
        HttpResponse<String> r = api.post("/chat/completions", Api.chatBody("m", user, null), headers);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return Api.cost(r);
    }

    private static void assertUnknown(String id) throws Exception {
        assertThat(api.get("/customer/info?end_user_id=" + id).statusCode()).isEqualTo(404);
    }

    @Test
    void customerIdHeaderWinsOverEndUserHeaderAndBody() throws Exception {
        long c = call(
                "body-user-1", Map.of("x-litellm-customer-id", "hdr-cust-1", "x-litellm-end-user-id", "hdr-end-1"));
        assertThat(api.spendNanos("hdr-cust-1")).isEqualTo(c);
        assertUnknown("hdr-end-1");
        assertUnknown("body-user-1");
    }

    @Test
    void endUserHeaderWinsOverBody() throws Exception {
        long c = call("body-user-2", Map.of("X-LiteLLM-End-User-Id", "hdr-end-2"));
        long d = call(null, Map.of("x-litellm-end-user-id", "hdr-end-2"));
        assertThat(api.spendNanos("hdr-end-2")).isEqualTo(c + d);
        assertUnknown("body-user-2");
    }

    @Test
    void configuredHeaderWinsOverBodyButNotOverStandardHeaders() throws Exception {
        long c = call("body-user-3", Map.of("x-my-customer", "cfg-3"));
        assertThat(api.spendNanos("cfg-3")).isEqualTo(c);
        assertUnknown("body-user-3");
        long d = call(null, Map.of("x-my-customer", "cfg-4", "x-litellm-customer-id", "std-4"));
        assertThat(api.spendNanos("std-4")).isEqualTo(d);
        assertUnknown("cfg-4");
    }

    @Test
    void blankHeaderFallsBackToBody() throws Exception {
        long c = call("body-user-5", Map.of("x-litellm-customer-id", "   "));
        assertThat(api.spendNanos("body-user-5")).isEqualTo(c);
    }

    @Test
    void headerCustomerIsHeldToItsBudget() throws Exception {
        api.ok("/customer/new", "{\"user_id\": \"hdr-broke\", \"max_budget\": 0}");
        HttpResponse<String> r = api.post(
                "/chat/completions",
                Api.chatBody("m", "someone-else", null),
                Map.of("x-litellm-customer-id", "hdr-broke"));
        WalkthroughTest.assertBudgetExceeded(r, "hdr-broke", "0.0", "0.0");
        assertUnknown("someone-else");
    }

    @Test
    void invalidIdsAreRefused() throws Exception {
        HttpResponse<String> tooLong = api.post(
                "/chat/completions", Api.chatBody("m", null, null), Map.of("x-litellm-customer-id", "x".repeat(300)));
        assertThat(tooLong.statusCode()).as(tooLong.body()).isEqualTo(400);
        assertThat(Api.parse(tooLong.body()).get("error").get("type").asText()).isEqualTo("invalid_request_error");
        HttpResponse<String> longBody = api.post("/chat/completions", Api.chatBody("m", "y".repeat(300), null));
        assertThat(longBody.statusCode()).as(longBody.body()).isEqualTo(400);
        HttpResponse<String> control = api.post("/chat/completions", Api.chatBody("m", "bad\\u0007id", null));
        assertThat(control.statusCode()).as(control.body()).isEqualTo(400);
        assertThat(Api.parse(control.body()).get("error").get("message").asText())
                .contains("control character U+0007");
        // 256 characters is the documented maximum and still accepted.
        long c = call(null, Map.of("x-litellm-customer-id", "z".repeat(256)));
        assertThat(api.spendNanos("z".repeat(256))).isEqualTo(c);
    }
}
