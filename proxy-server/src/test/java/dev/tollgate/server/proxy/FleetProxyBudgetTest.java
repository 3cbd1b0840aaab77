package dev.tollgate.server.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.server.TestProxy;
import dev.tollgate.server.budget.Api;
import dev.tollgate.testing.LeakGuard;
import dev.tollgate.testing.services.Need;
import dev.tollgate.testing.services.Needs;
import dev.tollgate.testing.services.TestServices;
import dev.tollgate.testing.upstream.FakeUpstream;
import dev.tollgate.testing.upstream.FakeUpstreamOptions;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Two instances sharing one Redis enforce one proxy-wide budget: concurrent calls overshoot it by at most one call. */
@Needs(Need.REDIS)
class FleetProxyBudgetTest {
    static {
        LeakGuard.install();
    }

    private static final long MAX_BUDGET_NANOS = 400_000;

    static FakeUpstream upstream;
    static TestProxy first;
    static TestProxy second;

    @BeforeAll
    static void start() throws Exception {
        upstream = FakeUpstream.start(FakeUpstreamOptions.defaults().ioThreads(1));
        String prefix = "tg-proxybudget-" + UUID.randomUUID().toString().substring(0, 8) + ":";
        String yaml = """
                model_list:
                  - {model_name: m, litellm_params: {model: openai/gpt-4o, api_base: "%s", api_key: k}, model_info: %s}
                litellm_settings: {max_budget: 0.0004}
                general_settings: {master_key: %s, redis_url: "%s", redis_key_prefix: "%s", redis_command_timeout_ms: 3000}
                """.formatted(
                        upstream.baseUrl(),
                        E2e.PRICES,
                        TestProxy.KEY,
                        TestServices.redis().url(),
                        prefix);
        first = TestProxy.start(yaml);
        second = TestProxy.start(yaml);
    }

    @AfterAll
    static void stop() throws Exception {
        for (TestProxy p : new TestProxy[] {first, second}) {
            if (p != null) {
                p.close();
            }
        }
        upstream.close();
        LeakGuard.assertNoLeaks();
    }

    @Test
    void oneBudgetAcrossTheFleet() throws Exception {
        String body =
                "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"what time is it\"}]}";
        ExecutorService pool = Executors.newFixedThreadPool(20);
        List<HttpResponse<String>> responses = new ArrayList<>();
        try {
            List<Future<HttpResponse<String>>> fs = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                TestProxy target = i % 2 == 0 ? first : second;
                fs.add(pool.submit(() -> target.post("/chat/completions", body)));
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
                assertThat(r.body()).as(r.body()).contains("Budget has been exceeded!");
                refused++;
            }
        }
        assertThat(refused).isPositive();
        assertThat(spent).as("one budget for both instances").isLessThanOrEqualTo(MAX_BUDGET_NANOS + largest);
    }
}
