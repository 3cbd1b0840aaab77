package dev.tollgate.server.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.server.TestProxy;
import dev.tollgate.testing.LeakGuard;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code simple-shuffle}, the default: a random deployment, weighted by {@code weight}, else
 * {@code rpm}, else {@code tpm}, as LiteLLM does.
 */
class RoutingTest {
    static {
        LeakGuard.install();
    }

    static TestProxy proxy;

    private static String mock(String group, String id, String extra) {
        return "  - {model_name: " + group + ", litellm_params: {model: openai/gpt-4o, mock_response: hi" + extra
                + "}, model_info: {id: " + id + ", input_cost_per_token: 0.000001, output_cost_per_token: 0.000002}}\n";
    }

    @BeforeAll
    static void start() throws Exception {
        proxy = TestProxy.start("model_list:\n"
                + mock("weighted", "w-heavy", ", weight: 9")
                + mock("weighted", "w-light", ", weight: 1")
                + mock("zero", "z-one", ", weight: 1")
                + mock("zero", "z-none", ", weight: 0")
                + mock("by-rpm", "r-heavy", ", rpm: 900")
                + mock("by-rpm", "r-light", ", rpm: 100")
                + "general_settings: {master_key: " + TestProxy.KEY + "}\n");
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        LeakGuard.assertNoLeaks();
    }

    private static Map<String, Integer> spread(String group, int calls) throws Exception {
        Map<String, Integer> n = new HashMap<>();
        for (int i = 0; i < calls; i++) {
            HttpResponse<String> r = proxy.post("/chat/completions", TestProxy.chat(group, null, false));
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            n.merge(r.headers().firstValue("x-litellm-model-id").orElseThrow(), 1, Integer::sum);
        }
        return n;
    }

    @Test
    void aDeploymentOfWeightZeroIsNeverChosen() throws Exception {
        assertThat(spread("zero", 50)).containsOnlyKeys("z-one");
    }

    @Test
    void weightsShareTheCalls() throws Exception {
        // 9:1 over 300 calls: the light one is chosen (p of never: 0.9^300) and less often than
        // the heavy one (p of the opposite: far below 1e-30).
        Map<String, Integer> n = spread("weighted", 300);
        assertThat(n).containsKeys("w-heavy", "w-light");
        assertThat(n.get("w-heavy")).isGreaterThan(n.get("w-light") * 3);
    }

    @Test
    void withoutWeightsRpmWeighs() throws Exception {
        Map<String, Integer> n = spread("by-rpm", 300);
        assertThat(n).containsKeys("r-heavy", "r-light");
        assertThat(n.get("r-heavy")).isGreaterThan(n.get("r-light") * 3);
    }
}
