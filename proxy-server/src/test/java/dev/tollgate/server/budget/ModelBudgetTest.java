package dev.tollgate.server.budget;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.core.money.PythonFloat;
import dev.tollgate.server.TestProxy;
import dev.tollgate.testing.LeakGuard;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code model_max_budget} through the real server, embedded and on Redis + PostgreSQL: an entry's
 * budget refuses that model only, with the documented message; {@code /customer/info} shows the
 * entry's exact spend; the flush persists it to {@code tg_customer_model_spend}; a store that lost
 * its data re-seeds the model account from the database and keeps refusing; 100 concurrent calls
 * overshoot the entry's budget by at most one call; entry RPM limits answer 429 naming the model.
 */
class ModelBudgetTest {
    static {
        LeakGuard.install();
    }

    @AfterAll
    static void leaks() throws Exception {
        LeakGuard.assertNoLeaks();
    }

    /** gpt-4o (litellm model openai/gpt-4o) and another model, both mocked at the same prices. */
    private static String config() {
        return "model_list:\n"
                + "  - model_name: gpt-4o\n"
                + "    litellm_params: {model: openai/gpt-4o, mock_response: \"Sure, here it is.\"}\n"
                + "    model_info: {input_cost_per_token: 0.000002, output_cost_per_token: 0.000004}\n"
                + "  - model_name: other\n"
                + "    litellm_params: {model: openai/gpt-3.5-turbo, mock_response: \"Sure, here it is.\"}\n"
                + "    model_info: {input_cost_per_token: 0.000002, output_cost_per_token: 0.000004}\n"
                + "general_settings:\n  master_key: " + Api.KEY + "\n  fail_open: false\n";
    }

    private static HttpResponse<String> call(Api api, String model, String user) throws Exception {
        return api.post("/chat/completions", Api.chatBody(model, user, 16));
    }

    /** The cost of one call of {@link #call}, measured on a customer without limits. */
    private static long oneCallCost(Api api) throws Exception {
        HttpResponse<String> probe = call(api, "other", "probe");
        assertThat(probe.statusCode()).as(probe.body()).isEqualTo(200);
        return Api.cost(probe);
    }

    static void assertModelBudgetExceeded(HttpResponse<String> r, String user, String model, long spend, long budget) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        JsonNode err = Api.parse(r.body()).get("error");
        assertThat(err.get("type").asText()).isEqualTo("budget_exceeded");
        assertThat(err.get("message").asText())
                .isEqualTo("ExceededModelBudget: End User=" + user + " over budget for model=" + model + ". Spend="
                        + PythonFloat.of(spend) + ", Budget=" + PythonFloat.of(budget));
        assertThat(r.headers().firstValue("x-should-retry")).hasValue("false");
    }

    private static long persistedModelSpend(Backend backend, String customer, String model) throws Exception {
        try (Connection c = backend.jdbc();
                PreparedStatement ps = c.prepareStatement("SELECT COALESCE(SUM(spend_nanos), 0) FROM"
                        + " tg_customer_model_spend WHERE customer_id = ? AND model = ?")) {
            ps.setString(1, customer);
            ps.setString(2, model);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static void flush(TestProxy proxy) throws Exception {
        proxy.server().flusher().flushNow().get(30, TimeUnit.SECONDS);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Mode.class)
    void aModelBudgetRefusesThatModelOnlyIsPersistedAndSurvivesTheStoreLosingItsData(Mode mode) throws Exception {
        try (Backend backend = Backend.create(mode)) {
            long cost;
            long max;
            try (TestProxy proxy = backend.start(config())) {
                Api api = new Api(proxy);
                cost = oneCallCost(api);
                max = 3 * cost;
                api.ok(
                        "/customer/new",
                        "{\"user_id\": \"mmb\", \"model_max_budget\": {\"gpt-4o\": {\"max_budget\": " + Api.usd(max)
                                + ", \"budget_duration\": \"30d\"}}}");
                // The provider-prefixed name LiteLLM users write selects the same deployments.
                api.ok(
                        "/customer/new",
                        "{\"user_id\": \"mmb-prefixed\", \"model_max_budget\": {\"openai/gpt-4o\": {\"max_budget\": 0}}}");

                for (int i = 0; i < 3; i++) {
                    HttpResponse<String> r = call(api, "gpt-4o", "mmb");
                    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                    assertThat(Api.cost(r)).isEqualTo(cost);
                }
                assertModelBudgetExceeded(call(api, "gpt-4o", "mmb"), "mmb", "gpt-4o", max, max);
                HttpResponse<String> other = call(api, "other", "mmb");
                assertThat(other.statusCode())
                        .as("other models keep working: " + other.body())
                        .isEqualTo(200);

                JsonNode info = api.info("mmb");
                assertThat(Api.nanos(info.get("model_spend").get("gpt-4o"))).isEqualTo(max);
                assertThat(Api.nanos(info.get("spend"))).isEqualTo(max + cost);
                assertThat(info.get("litellm_budget_table")
                                .get("model_max_budget")
                                .get("gpt-4o")
                                .get("budget_duration")
                                .asText())
                        .isEqualTo("30d");

                assertModelBudgetExceeded(call(api, "gpt-4o", "mmb-prefixed"), "mmb-prefixed", "openai/gpt-4o", 0, 0);
                assertThat(call(api, "other", "mmb-prefixed").statusCode()).isEqualTo(200);

                flush(proxy);
                assertThat(persistedModelSpend(backend, "mmb", "gpt-4o")).isEqualTo(max);
                assertThat(persistedModelSpend(backend, "mmb", "other")).isZero();
                if (mode == Mode.REDIS_POSTGRES) {
                    // Redis loses its data: the model account is seeded again from the database.
                    backend.emptyRedis();
                    assertModelBudgetExceeded(call(api, "gpt-4o", "mmb"), "mmb", "gpt-4o", max, max);
                    assertThat(call(api, "other", "mmb").statusCode()).isEqualTo(200);
                    assertThat(Api.nanos(api.info("mmb").get("model_spend").get("gpt-4o")))
                            .isEqualTo(max);
                }
            }
            // A restart (embedded: the in-process store starts empty) seeds from the database too.
            try (TestProxy proxy = backend.start(config())) {
                Api api = new Api(proxy);
                assertModelBudgetExceeded(call(api, "gpt-4o", "mmb"), "mmb", "gpt-4o", max, max);
                assertThat(call(api, "other", "mmb").statusCode()).isEqualTo(200);
                assertThat(Api.nanos(api.info("mmb").get("model_spend").get("gpt-4o")))
                        .isEqualTo(max);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Mode.class)
    void aHundredConcurrentCallsOvershootTheModelBudgetByAtMostOneCall(Mode mode) throws Exception {
        int calls = 100;
        int budgetCalls = 20;
        try (Backend backend = Backend.create(mode);
                TestProxy proxy = backend.start(config())) {
            Api api = new Api(proxy);
            long cost = oneCallCost(api);
            long max = budgetCalls * cost;
            // The customer's own budget is far away: only the model entry can refuse.
            api.ok(
                    "/customer/new",
                    "{\"user_id\": \"mmb-burst\", \"max_budget\": 1000, \"model_max_budget\": {\"gpt-4o\":"
                            + " {\"max_budget\": " + Api.usd(max) + "}}}");
            ExecutorService pool = Executors.newFixedThreadPool(calls);
            List<HttpResponse<String>> responses = new ArrayList<>();
            try {
                CountDownLatch go = new CountDownLatch(1);
                List<Future<HttpResponse<String>>> futures = new ArrayList<>();
                for (int i = 0; i < calls; i++) {
                    futures.add(pool.submit(() -> {
                        go.await();
                        return call(api, "gpt-4o", "mmb-burst");
                    }));
                }
                go.countDown();
                for (Future<HttpResponse<String>> f : futures) {
                    responses.add(f.get(120, TimeUnit.SECONDS));
                }
            } finally {
                pool.shutdownNow();
            }
            long answered = 0;
            int admitted = 0;
            for (HttpResponse<String> r : responses) {
                if (r.statusCode() == 200) {
                    admitted++;
                    answered += Api.cost(r);
                } else if (r.statusCode() == 503 && mode == Mode.REDIS_POSTGRES) {
                    // fail_open: false and a Redis command timed out on an overloaded host: refused.
                    assertThat(Api.parse(r.body()).get("error").get("type").asText())
                            .isEqualTo("service_unavailable");
                } else {
                    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
                    assertThat(Api.parse(r.body()).get("error").get("message").asText())
                            .startsWith("ExceededModelBudget: End User=mmb-burst over budget for model=gpt-4o.");
                }
            }
            assertThat(admitted).isBetween(1, budgetCalls + 1);
            long modelSpend = Api.nanos(api.info("mmb-burst").get("model_spend").get("gpt-4o"));
            assertThat(modelSpend).isEqualTo(answered).isLessThanOrEqualTo(max + cost);
            flush(proxy);
            assertThat(persistedModelSpend(backend, "mmb-burst", "gpt-4o")).isEqualTo(answered);
            assertThat(call(api, "other", "mmb-burst").statusCode()).isEqualTo(200);
        }
    }

    /**
     * Two instances on one Redis and PostgreSQL, with leased quota and folded settles on: a call
     * with a model entry is admitted per call in Redis and settled on its own, so the entry's
     * budget holds fleet-wide exactly as without them.
     */
    @org.junit.jupiter.api.Test
    void aFleetWithLeasesAndFoldedSettlesKeepsTheModelBudgetBound() throws Exception {
        if (!Backend.availableModes().contains(Mode.REDIS_POSTGRES)) {
            return; // availableModes printed why; the embedded tests above still ran
        }
        int calls = 100;
        int budgetCalls = 20;
        try (Backend backend = Backend.create(Mode.REDIS_POSTGRES)) {
            String yaml = config().replace(
                            "general_settings:\n",
                            "general_settings:\n" + backend.generalSettings()
                                    + "  lease_slice_ms: 500\n  settle_batch_ms: 10\n");
            try (TestProxy a = TestProxy.start(
                            yaml, java.nio.file.Files.createTempDirectory("tg-mmb-a-"), java.util.Map.of());
                    TestProxy b = TestProxy.start(
                            yaml, java.nio.file.Files.createTempDirectory("tg-mmb-b-"), java.util.Map.of())) {
                Api apiA = new Api(a);
                Api apiB = new Api(b);
                long cost = oneCallCost(apiA);
                long max = budgetCalls * cost;
                apiA.ok(
                        "/customer/new",
                        "{\"user_id\": \"mmb-fleet\", \"max_budget\": 1000, \"model_max_budget\": {\"gpt-4o\":"
                                + " {\"max_budget\": " + Api.usd(max) + "}}}");
                // Calls of another model of the same customer may lease: they must not spend the entry.
                for (int i = 0; i < 5; i++) {
                    assertThat(call(apiB, "other", "mmb-fleet").statusCode()).isEqualTo(200);
                }
                ExecutorService pool = Executors.newFixedThreadPool(calls);
                List<Future<HttpResponse<String>>> futures = new ArrayList<>();
                try {
                    CountDownLatch go = new CountDownLatch(1);
                    for (int i = 0; i < calls; i++) {
                        Api api = i % 2 == 0 ? apiA : apiB;
                        futures.add(pool.submit(() -> {
                            go.await();
                            return call(api, "gpt-4o", "mmb-fleet");
                        }));
                    }
                    go.countDown();
                    long answered = 0;
                    for (Future<HttpResponse<String>> f : futures) {
                        HttpResponse<String> r = f.get(120, TimeUnit.SECONDS);
                        if (r.statusCode() == 200) {
                            answered += Api.cost(r);
                        } else {
                            assertThat(r.statusCode()).as(r.body()).isIn(400, 503);
                        }
                    }
                    assertThat(answered).isPositive().isLessThanOrEqualTo(max + cost);
                    assertThat(Api.nanos(
                                    apiB.info("mmb-fleet").get("model_spend").get("gpt-4o")))
                            .isEqualTo(answered);
                    flush(a);
                    flush(b);
                    assertThat(persistedModelSpend(backend, "mmb-fleet", "gpt-4o"))
                            .isEqualTo(answered);
                } finally {
                    pool.shutdownNow();
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Mode.class)
    void aModelRpmLimitAnswers429NamingTheModelAndRefusesNothingElse(Mode mode) throws Exception {
        try (Backend backend = Backend.create(mode);
                TestProxy proxy = backend.start(config())) {
            Api api = new Api(proxy);
            api.ok(
                    "/budget/new",
                    "{\"budget_id\": \"mmb-tier\", \"model_max_budget\": {\"gpt-4o\": {\"rpm_limit\": 2}}}");
            api.ok("/customer/new", "{\"user_id\": \"mmb-rpm\", \"budget_id\": \"mmb-tier\"}");
            assertThat(call(api, "gpt-4o", "mmb-rpm").statusCode()).isEqualTo(200);
            assertThat(call(api, "gpt-4o", "mmb-rpm").statusCode()).isEqualTo(200);
            HttpResponse<String> refused = call(api, "gpt-4o", "mmb-rpm");
            if (refused.statusCode() == 200) {
                // The minute turned between the calls: the next window allows two more.
                assertThat(call(api, "gpt-4o", "mmb-rpm").statusCode()).isEqualTo(200);
                refused = call(api, "gpt-4o", "mmb-rpm");
            }
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(429);
            assertThat(Api.parse(refused.body()).get("error").get("message").asText())
                    .startsWith("Rate limit exceeded for end_user: mmb-rpm, model: gpt-4o. Limit type: requests."
                            + " Current limit: 2, Remaining: 0.");
            assertThat(refused.headers().firstValue("retry-after")).isPresent();
            for (int i = 0; i < 4; i++) {
                assertThat(call(api, "other", "mmb-rpm").statusCode()).isEqualTo(200);
            }
            assertThat(api.get("/metrics").body()).contains("reason=\"model_rpm\"");
        }
    }
}
