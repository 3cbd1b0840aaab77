package dev.tollgate.server.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.server.TestProxy;
import dev.tollgate.testing.LeakGuard;
import dev.tollgate.testing.upstream.FakeUpstream;
import dev.tollgate.testing.upstream.FakeUpstreamOptions;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code router_settings.model_group_alias}: a requested alias is served by its model group (and
 * billed at its price); {@code /v1/models} lists the aliases except those marked hidden.
 */
class AliasesTest {
    static {
        LeakGuard.install();
    }

    static FakeUpstream upstream;
    static TestProxy proxy;

    @BeforeAll
    static void start() throws Exception {
        upstream = FakeUpstream.start(FakeUpstreamOptions.defaults().ioThreads(1));
        proxy = TestProxy.start("""
                model_list:
                  - {model_name: gpt-4, litellm_params: {model: openai/gpt-4o, api_base: "%s", api_key: k}, model_info: %s}
                router_settings:
                  model_group_alias: {"my-alias": "gpt-4", "secret": {"model": "gpt-4", "hidden": true}}
                general_settings: {master_key: %s}
                """.formatted(upstream.baseUrl(), E2e.PRICES, TestProxy.KEY));
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        upstream.close();
        LeakGuard.assertNoLeaks();
    }

    @Test
    void anAliasIsServedByItsGroupAndBilledAtItsPrice() throws Exception {
        for (String alias : List.of("my-alias", "secret")) {
            HttpResponse<String> r = proxy.post("/chat/completions", TestProxy.chat(alias, "alias-" + alias, false));
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(r.headers().firstValue("x-litellm-model-group")).hasValue("gpt-4");
            assertThat(upstream.lastRequest().body()).contains("\"model\":\"gpt-4o\"");
            JsonNode usage = E2e.json(r.body()).get("usage");
            assertThat(E2e.spend(proxy, "alias-" + alias))
                    .isEqualByComparingTo(E2e.cost(
                            usage.get("prompt_tokens").asLong(),
                            usage.get("completion_tokens").asLong()));
        }
    }

    @Test
    void modelsListsTheVisibleAliases() throws Exception {
        HttpResponse<String> r = proxy.get("/v1/models");
        List<String> ids = new ArrayList<>();
        E2e.json(r.body()).get("data").forEach(m -> ids.add(m.get("id").asText()));
        assertThat(ids).containsExactly("gpt-4", "my-alias");
    }

    @Test
    void anUnknownNameIsStillModelNotFound() throws Exception {
        HttpResponse<String> r = proxy.post("/chat/completions", TestProxy.chat("nope", "alias-x", false));
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(E2e.assertErrorShape(r.body()).get("code").asText()).isEqualTo("model_not_found");
    }
}
