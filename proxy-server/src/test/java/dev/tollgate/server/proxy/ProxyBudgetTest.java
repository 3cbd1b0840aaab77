package dev.tollgate.server.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.server.TestProxy;
import dev.tollgate.server.budget.Api;
import dev.tollgate.testing.LeakGuard;
import dev.tollgate.testing.upstream.FakeUpstream;
import dev.tollgate.testing.upstream.FakeUpstreamOptions;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code litellm_settings.max_budget}: the spend of all calls together, customers or not, is capped
 * with LiteLLM's refusal text; admitted with reservations, so 100 concurrent calls overshoot it by
 * at most one call.
 */
class ProxyBudgetTest {
    static {
        LeakGuard.install();
    }

    /** USD. */
    private static final String MAX_BUDGET = "0.0005";

    private static final long MAX_BUDGET_NANOS = 500_000;

    FakeUpstream upstream;
    TestProxy proxy;

    private void start() throws Exception {
        upstream = FakeUpstream.start(FakeUpstreamOptions.defaults().ioThreads(1));
        proxy = TestProxy.start("""
                model_list:
                  - {model_name: m, litellm_params: {model: openai/gpt-4o, api_base: "%s", api_key: k}, model_info: %s}
                litellm_settings: {max_budget: %s, budget_duration: 30d}
                general_settings: {master_key: %s}
                """.formatted(upstream.baseUrl(), E2e.PRICES, MAX_BUDGET, TestProxy.KEY));
    }

    @AfterEach
    void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        if (upstream != null) {
            upstream.close();
        }
        LeakGuard.assertNoLeaks();
    }

    private static String body(String user) {
        return "{\"model\":\"m\"," + (user == null ? "" : "\"user\":\"" + user + "\",")
                + "\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"what time is it\"}]}";
    }

    @Test
    void everyCallCountsAndTheSpentBudgetRefusesWithLiteLlmsText() throws Exception {
        start();
        long spent = 0;
        long largest = 0;
        int served = 0;
        HttpResponse<String> refused = null;
        for (int i = 0; i < 200 && refused == null; i++) {
            // Calls with and without a customer count alike.
            HttpResponse<String> r = proxy.post("/chat/completions", body(i % 2 == 0 ? null : "pb-" + i % 3));
            if (r.statusCode() == 200) {
                long c = Api.cost(r);
                spent += c;
                largest = Math.max(largest, c);
                served++;
            } else {
                refused = r;
            }
        }
        assertThat(refused).as("the budget ran out").isNotNull();
        assertThat(served).isPositive();
        // Admitted while spend and reservations are under the cap: the last call may pass it.
        assertThat(spent).isGreaterThanOrEqualTo(MAX_BUDGET_NANOS).isLessThanOrEqualTo(MAX_BUDGET_NANOS + largest);
        assertThat(refused.statusCode()).isEqualTo(400);
        JsonNode e = E2e.assertErrorShape(refused.body());
        assertThat(e.get("type").asText()).isEqualTo("budget_exceeded");
        assertThat(e.get("message").asText())
                .startsWith("Budget has been exceeded! Current cost: ")
                .endsWith(", Max budget: 0.0005");
        assertThat(refused.headers().firstValue("x-should-retry")).hasValue("false");
        int sent = upstream.requestCount();
        assertThat(proxy.post("/chat/completions", body("pb-late")).statusCode())
                .isEqualTo(400);
        assertThat(upstream.requestCount()).as("a refused call is not sent").isEqualTo(sent);
        assertThat(proxy.get("/metrics").body()).contains("tollgate_refusals_total{reason=\"proxy_budget\"}");
        JsonNode overview = E2e.json(proxy.get("/tollgate/overview").body()).get("proxy_budget");
        assertThat(overview.get("max_budget").decimalValue()).isEqualByComparingTo("0.0005");
        assertThat(Api.nanos(overview.get("spend"))).isEqualTo(spent);
        assertThat(overview.get("resets_at").isTextual())
                .as("budget_duration: 30d")
                .isTrue();
    }

    @Test
    void hundredConcurrentCallsOvershootByAtMostOneCall() throws Exception {
        start();
        ExecutorService pool = Executors.newFixedThreadPool(25);
        List<HttpResponse<String>> responses = new ArrayList<>();
        try {
            List<Future<HttpResponse<String>>> fs = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                String user = "pbc-" + i % 7;
                fs.add(pool.submit(() -> proxy.post("/chat/completions", body(user))));
            }
            for (Future<HttpResponse<String>> f : fs) {
                responses.add(f.get(120, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
        long spent = 0;
        long largest = 0;
        int refused = 0;
        for (HttpResponse<String> r : responses) {
            if (r.statusCode() == 200) {
                long c = Api.cost(r);
                spent += c;
                largest = Math.max(largest, c);
            } else {
                assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
                assertThat(r.body()).contains("Budget has been exceeded!");
                refused++;
            }
        }
        assertThat(refused).as("100 calls cost more than the budget").isPositive();
        assertThat(spent).isLessThanOrEqualTo(MAX_BUDGET_NANOS + largest);
    }
}
