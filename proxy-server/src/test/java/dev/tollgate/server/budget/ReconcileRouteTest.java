package dev.tollgate.server.budget;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.server.TestProxy;
import dev.tollgate.testing.LeakGuard;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code POST /tollgate/reconcile} through the real server: a drift between the limit store and
 * the ledger is reported and repaired, a customer in step is left alone, bad bodies get 400 and the
 * route needs the master key. The drift is a real one: an admin sets the spend of a customer whose
 * calls the store already counts.
 */
class ReconcileRouteTest {
    static {
        LeakGuard.install();
    }

    @AfterAll
    static void leaks() throws Exception {
        LeakGuard.assertNoLeaks();
    }

    private static String config() {
        return "model_list:\n" + Configs.mockModel("m", "ok") + "general_settings:\n  master_key: " + Api.KEY
                + "\n  proxy_batch_write_at: 3600\n";
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Mode.class)
    void aDriftIsReportedAndRepairedAndACustomerInStepIsLeftAlone(Mode mode) throws Exception {
        try (Backend backend = Backend.create(mode);
                TestProxy proxy = backend.start(config())) {
            Api api = new Api(proxy);
            long calls = Api.cost(api.chat("m", "rc-1")) + Api.cost(api.chat("m", "rc-1"));
            // The calls are pending (not flushed); the database learns of the customer from an admin
            // write that sets a spend the store never saw.
            api.ok("/customer/new", "{\"user_id\": \"rc-1\", \"spend\": 1.5}");
            assertThat(api.spendNanos("rc-1")).as("the store's figure before").isEqualTo(calls);

            JsonNode report = api.ok("/tollgate/reconcile", "{\"user_id\": \"rc-1\"}");

            assertThat(report.get("customers_checked").asInt()).isEqualTo(1);
            assertThat(report.get("customers_repaired").asInt()).isEqualTo(1);
            assertThat(Api.nanos(report.get("drift"))).isEqualTo(1_500_000_000L);
            JsonNode r = report.get("results").get(0);
            assertThat(r.get("user_id").asText()).isEqualTo("rc-1");
            assertThat(r.get("outcome").asText()).isEqualTo("repaired");
            assertThat(Api.nanos(r.get("ledger_spend"))).isEqualTo(1_500_000_000L);
            assertThat(Api.nanos(r.get("pending_spend"))).isEqualTo(calls);
            assertThat(Api.nanos(r.get("enforced_spend_before"))).isEqualTo(calls);
            assertThat(Api.nanos(r.get("enforced_spend"))).isEqualTo(1_500_000_000L + calls);
            assertThat(Api.nanos(r.get("drift"))).isEqualTo(-1_500_000_000L);
            assertThat(api.spendNanos("rc-1")).isEqualTo(1_500_000_000L + calls);

            proxy.server().flusher().flushNow().get(30, TimeUnit.SECONDS);
            JsonNode again = api.ok("/tollgate/reconcile", "{\"user_id\": \"rc-1\"}");
            assertThat(again.get("results").get(0).get("outcome").asText()).isEqualTo("in_step");
            assertThat(Api.nanos(again.get("results").get(0).get("pending_spend")))
                    .isZero();
            // Every customer this instance served: in step, so counted and not listed.
            JsonNode all = api.ok("/tollgate/reconcile", "");
            assertThat(all.get("customers_checked").asInt()).isEqualTo(1);
            assertThat(all.get("customers_repaired").asInt()).isZero();
            assertThat(all.get("results")).isEmpty();

            String metrics = api.get("/metrics").body();
            assertThat(metrics).contains("tollgate_reconcile_customers_repaired_total 1.0");
            assertThat(metrics).contains("tollgate_reconcile_drift_nanos_total{direction=\"under\"} 1.5E9");
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Mode.class)
    void badBodiesGet400AndTheRouteNeedsTheMasterKey(Mode mode) throws Exception {
        try (Backend backend = Backend.create(mode);
                TestProxy proxy = backend.start(config())) {
            Api api = new Api(proxy);
            for (String body : new String[] {"{\"user_id\": 5}", "{\"user_id\": \" \"}", "[\"rc-1\"]", "nope"}) {
                HttpResponse<String> r = api.post("/tollgate/reconcile", body);
                assertThat(r.statusCode()).as(body).isEqualTo(400);
                assertThat(Api.parse(r.body()).get("error").get("type").asText())
                        .isEqualTo("invalid_request_error");
            }
            HttpResponse<String> absent = api.post("/tollgate/reconcile", "{\"user_id\": \"never-seen\"}");
            assertThat(absent.statusCode()).isEqualTo(200);
            assertThat(Api.parse(absent.body())
                            .get("results")
                            .get(0)
                            .get("outcome")
                            .asText())
                    .isEqualTo("absent");
            assertThat(api.anonymous("POST", "/tollgate/reconcile", "{}").statusCode())
                    .isEqualTo(401);
            assertThat(api.get("/tollgate/reconcile").statusCode()).isEqualTo(405);
        }
    }
}
