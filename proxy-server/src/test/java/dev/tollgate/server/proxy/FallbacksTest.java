package dev.tollgate.server.proxy;

import static dev.tollgate.server.proxy.E2e.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.server.TestProxy;
import dev.tollgate.server.budget.Api;
import dev.tollgate.testing.LeakGuard;
import dev.tollgate.testing.upstream.FakeFailure;
import dev.tollgate.testing.upstream.FakeUpstream;
import dev.tollgate.testing.upstream.FakeUpstreamOptions;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code fallbacks}, {@code context_window_fallbacks}, {@code content_policy_fallbacks}: once a
 * model group's retries are spent (or at once, for a context-window or content-policy error), the
 * next group of its list answers; the response names it, and the customer pays that group's price.
 */
class FallbacksTest {
    static {
        LeakGuard.install();
    }

    /** The fallback group's prices: ten times the primary's, so a bill at the wrong price shows. */
    private static final BigDecimal BIG_IN = new BigDecimal("0.00001");

    private static final BigDecimal BIG_OUT = new BigDecimal("0.00002");

    static FakeUpstream primary;
    static FakeUpstream alsoDown;
    static FakeUpstream big;
    static TestProxy proxy;

    @BeforeAll
    static void start() throws Exception {
        primary = FakeUpstream.start(FakeUpstreamOptions.defaults().ioThreads(1));
        alsoDown =
                FakeUpstream.start(FakeUpstreamOptions.defaults().ioThreads(1).failure(FakeFailure.HTTP_500));
        big = FakeUpstream.start(FakeUpstreamOptions.defaults().ioThreads(1));
        String bigPrices = "{input_cost_per_token: " + BIG_IN + ", output_cost_per_token: " + BIG_OUT + "}";
        proxy = TestProxy.start("""
                model_list:
                  - {model_name: small, litellm_params: {model: openai/gpt-4o-mini, api_base: "%1$s", api_key: k}, model_info: %4$s}
                  - {model_name: solo, litellm_params: {model: openai/gpt-4o-mini, api_base: "%1$s", api_key: k}, model_info: %4$s}
                  - {model_name: chain, litellm_params: {model: openai/gpt-4o-mini, api_base: "%1$s", api_key: k}, model_info: %4$s}
                  - {model_name: down, litellm_params: {model: openai/gpt-4o-mini, api_base: "%2$s", api_key: k}, model_info: %4$s}
                  - {model_name: large, litellm_params: {model: openai/gpt-4o, api_base: "%3$s", api_key: k}, model_info: %5$s}
                router_settings:
                  num_retries: 1
                  fallbacks: [{"small": ["large"]}, {"chain": ["down", "large"]}]
                  context_window_fallbacks: [{"small": ["large"]}]
                  content_policy_fallbacks: [{"small": ["large"]}]
                  default_fallbacks: ["large"]
                general_settings: {master_key: %6$s}
                """.formatted(
                        primary.baseUrl(), alsoDown.baseUrl(), big.baseUrl(), E2e.PRICES, bigPrices, TestProxy.KEY));
    }

    @AfterEach
    void healthyAgain() {
        primary.options().failure(FakeFailure.NONE);
        for (FakeUpstream u : List.of(primary, alsoDown, big)) {
            u.reset();
        }
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        for (FakeUpstream u : List.of(primary, alsoDown, big)) {
            u.close();
        }
        LeakGuard.assertNoLeaks();
    }

    private static HttpResponse<String> chat(String model, String user) throws Exception {
        return proxy.post("/chat/completions", TestProxy.chat(model, user, false));
    }

    /** The exact cost of the answer's usage at the fallback group's prices. */
    private static long billedAtBigPrices(JsonNode usage) {
        return BIG_IN.multiply(BigDecimal.valueOf(usage.get("prompt_tokens").asLong()))
                .add(BIG_OUT.multiply(
                        BigDecimal.valueOf(usage.get("completion_tokens").asLong())))
                .movePointRight(9)
                .longValueExact();
    }

    private static long spendNanos(String customer) throws Exception {
        return E2e.spend(proxy, customer).movePointRight(9).longValueExact();
    }

    @Test
    void afterItsRetriesAFailingGroupFallsBackAndTheCustomerPaysTheFallbacksPrice() throws Exception {
        primary.options().failure(FakeFailure.HTTP_500);
        HttpResponse<String> r = chat("small", "fb-generic");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(primary.requestCount())
                .as("the first attempt and its one retry")
                .isEqualTo(2);
        assertThat(big.requestCount()).isEqualTo(1);
        assertThat(r.headers().firstValue("x-litellm-model-group")).hasValue("large");
        assertThat(r.headers().firstValue("x-litellm-attempted-fallbacks")).hasValue("1");
        assertThat(r.headers().firstValue("x-litellm-attempted-retries")).hasValue("1");
        assertThat(big.lastRequest().body()).contains("\"model\":\"gpt-4o\"");
        long billed = billedAtBigPrices(json(r.body()).get("usage"));
        assertThat(Api.cost(r)).isEqualTo(billed);
        assertThat(spendNanos("fb-generic")).isEqualTo(billed);
    }

    @Test
    void aChainIsTriedInOrderUntilAGroupAnswers() throws Exception {
        primary.options().failure(FakeFailure.HTTP_500);
        HttpResponse<String> r = chat("chain", "fb-chain");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-litellm-model-group")).hasValue("large");
        assertThat(r.headers().firstValue("x-litellm-attempted-fallbacks")).hasValue("2");
        assertThat(r.headers().firstValue("x-litellm-attempted-retries"))
                .as("each group retried once")
                .hasValue("2");
        assertThat(alsoDown.requestCount()).isEqualTo(2);
        assertThat(spendNanos("fb-chain"))
                .isEqualTo(billedAtBigPrices(json(r.body()).get("usage")));
    }

    @Test
    void aGroupWithoutItsOwnFallbacksTakesTheDefaultOnes() throws Exception {
        primary.options().failure(FakeFailure.HTTP_500);
        HttpResponse<String> r = chat("solo", "fb-default");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-litellm-model-group")).hasValue("large");
        assertThat(r.headers().firstValue("x-litellm-attempted-fallbacks")).hasValue("1");
    }

    @Test
    void aContextWindowErrorFallsBackAtOnceWithoutARetry() throws Exception {
        primary.options().failure(FakeFailure.CONTEXT_LENGTH);
        HttpResponse<String> r = chat("small", "fb-context");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(primary.requestCount()).as("a 400 is not retried").isEqualTo(1);
        assertThat(r.headers().firstValue("x-litellm-model-group")).hasValue("large");
        assertThat(r.headers().firstValue("x-litellm-attempted-fallbacks")).hasValue("1");
        assertThat(r.headers().firstValue("x-litellm-attempted-retries")).hasValue("0");
    }

    @Test
    void aContentPolicyErrorFallsBack() throws Exception {
        primary.options().failure(FakeFailure.CONTENT_POLICY);
        HttpResponse<String> r = chat("small", "fb-policy");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(primary.requestCount()).isEqualTo(1);
        assertThat(r.headers().firstValue("x-litellm-model-group")).hasValue("large");
    }

    @Test
    void aGroupWithoutFallbacksAnswersItsLastErrorAndChargesNothing() throws Exception {
        assertThat(proxy.post("/customer/new", "{\"user_id\":\"fb-none\"}").statusCode())
                .isEqualTo(200);
        primary.options().failure(FakeFailure.CONTEXT_LENGTH);
        HttpResponse<String> r = chat("chain", "fb-none");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(E2e.assertErrorShape(r.body()).get("code").asText()).isEqualTo("context_length_exceeded");
        assertThat(r.headers().firstValue("x-litellm-attempted-fallbacks")).hasValue("0");
        assertThat(big.requestCount())
                .as("chain has no context-window fallbacks")
                .isZero();
        assertThat(E2e.spend(proxy, "fb-none")).isEqualByComparingTo(BigDecimal.ZERO);
    }
}
