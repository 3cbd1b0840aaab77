package dev.tollgate.server.budget;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.core.money.PythonFloat;
import dev.tollgate.server.TestProxy;
import dev.tollgate.testing.LeakGuard;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Real time, end to end: budgets with {@code budget_duration: "30s"} reset at the next :00/:30
 * boundary, for a customer on a tier and for a customer on the default budget (LiteLLM #24675).
 * Both backends run side by side so the test waits for one boundary only.
 */
class BudgetResetTest {
    static {
        LeakGuard.install();
    }

    @AfterAll
    static void leaks() throws Exception {
        LeakGuard.assertNoLeaks();
    }

    /** One backend and its server through the test. */
    private static final class Run implements AutoCloseable {
        final Backend backend;
        final TestProxy proxy;
        final Api api;
        long cost;

        Run(Mode mode) throws Exception {
            backend = Backend.create(mode);
            // A default budget must exist before the config names it: created on a first start, as
            // an operator does; its limit is set once the cost of a call is known.
            try (TestProxy first = backend.start(config(""))) {
                new Api(first).ok("/budget/new", "{\"budget_id\": \"reset-default\", \"budget_duration\": \"30s\"}");
            }
            proxy = backend.start(config("litellm_settings:\n  max_end_user_budget_id: reset-default\n"));
            api = new Api(proxy);
        }

        private static String config(String litellmSettings) {
            return "model_list:\n" + Configs.mockModel("m", "tick tock") + litellmSettings
                    + "general_settings:\n  master_key: " + Api.KEY + "\n";
        }

        @Override
        public void close() throws Exception {
            proxy.close();
            backend.close();
        }

        long rowSpend(String id) throws Exception {
            try (Connection c = backend.jdbc();
                    PreparedStatement ps =
                            c.prepareStatement("SELECT spend_nanos FROM tg_customer WHERE user_id = ?")) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    assertThat(rs.next()).as("row of " + id).isTrue();
                    return rs.getLong(1);
                }
            }
        }
    }

    private static long nextBoundaryMs(long nowMs) {
        return (nowMs / 30_000 + 1) * 30_000;
    }

    private static void sleepUntil(long epochMs) throws InterruptedException {
        long wait = epochMs - System.currentTimeMillis();
        if (wait > 0) {
            Thread.sleep(wait);
        }
    }

    @Test
    void thirtySecondBudgetsResetAtTheBoundary() throws Exception {
        List<Run> runs = new ArrayList<>();
        try {
            for (Mode m : Backend.availableModes()) {
                runs.add(new Run(m));
            }
            for (Run r : runs) {
                // Measured while the default budget has no limit yet.
                r.cost = Api.cost(WalkthroughTest.okCall(r.api, "m", "rs-probe"));
            }
            // Leave enough of the period for the set-up, or start in the next one.
            if (nextBoundaryMs(System.currentTimeMillis()) - System.currentTimeMillis() < 12_000) {
                sleepUntil(nextBoundaryMs(System.currentTimeMillis()) + 300);
            }
            long boundary = nextBoundaryMs(System.currentTimeMillis());
            for (Run r : runs) {
                String max = Api.usd(r.cost);
                r.api.ok(
                        "/budget/update",
                        "{\"budget_id\": \"reset-default\", \"max_budget\": " + max
                                + ", \"budget_duration\": \"30s\"}");
                JsonNode tier = r.api.ok(
                        "/budget/new",
                        "{\"budget_id\": \"reset-tier\", \"max_budget\": " + max + ", \"budget_duration\": \"30s\"}");
                assertThat(Instant.parse(tier.get("budget_reset_at").asText()).toEpochMilli())
                        .isEqualTo(boundary);
                r.api.ok("/customer/new", "{\"user_id\": \"rs-tier\", \"budget_id\": \"reset-tier\"}");
                for (String c : List.of("rs-tier", "rs-default")) {
                    WalkthroughTest.okCall(r.api, "m", c);
                    WalkthroughTest.assertBudgetExceeded(
                            r.api.chat("m", c), c, PythonFloat.of(r.cost), PythonFloat.of(r.cost));
                    assertThat(r.api.spendNanos(c)).isEqualTo(r.cost);
                }
                r.proxy.server().flusher().flushNow().get(30, TimeUnit.SECONDS);
                assertThat(r.rowSpend("rs-tier")).isEqualTo(r.cost);
                assertThat(r.rowSpend("rs-default")).isEqualTo(r.cost);
            }
            assertThat(System.currentTimeMillis())
                    .as("set-up finished inside the period")
                    .isLessThan(boundary);

            sleepUntil(boundary + 500);
            for (Run r : runs) {
                for (String c : List.of("rs-tier", "rs-default")) {
                    assertThat(r.api.spendNanos(c))
                            .as(r.backend.mode() + " " + c + " after the boundary")
                            .isZero();
                    WalkthroughTest.okCall(r.api, "m", c);
                    assertThat(r.api.spendNanos(c)).isEqualTo(r.cost);
                    assertThat(r.api.chat("m", c).statusCode())
                            .as("the new period's budget holds")
                            .isEqualTo(400);
                }
            }
            // The job (every 10 s) moves budget_reset_at on in the database; spend of the new period stays.
            long deadline = System.currentTimeMillis() + 25_000;
            for (Run r : runs) {
                while (true) {
                    JsonNode table = r.api.info("rs-tier").get("litellm_budget_table");
                    long resetAt =
                            Instant.parse(table.get("budget_reset_at").asText()).toEpochMilli();
                    JsonNode def = r.api.ok("/budget/info", "{\"budgets\": [\"reset-default\"]}")
                            .get(0);
                    long defResetAt =
                            Instant.parse(def.get("budget_reset_at").asText()).toEpochMilli();
                    if (resetAt > boundary && defResetAt > boundary) {
                        assertThat(resetAt)
                                .isEqualTo(nextBoundaryMs(boundary + 1))
                                .isGreaterThan(System.currentTimeMillis() - 30_000);
                        assertThat(defResetAt).isEqualTo(resetAt);
                        break;
                    }
                    assertThat(System.currentTimeMillis())
                            .as(r.backend.mode() + ": budget_reset_at moved forward")
                            .isLessThan(deadline);
                    Thread.sleep(500);
                }
                r.proxy.server().flusher().flushNow().get(30, TimeUnit.SECONDS);
                for (String c : List.of("rs-tier", "rs-default")) {
                    assertThat(r.rowSpend(c))
                            .as(r.backend.mode() + " " + c + " persisted new-period spend")
                            .isEqualTo(r.cost);
                    assertThat(r.api.spendNanos(c)).isEqualTo(r.cost);
                }
            }
        } finally {
            for (Run r : runs) {
                r.close();
            }
        }
    }
}
