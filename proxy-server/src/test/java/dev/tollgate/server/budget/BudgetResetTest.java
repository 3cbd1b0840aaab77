package dev.tollgate.server.budget;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.core.money.PythonFloat;
import dev.tollgate.server.ShiftedClock;
import dev.tollgate.server.TestProxy;
import dev.tollgate.testing.LeakGuard;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * End to end: budgets with {@code budget_duration: "30s"} reset at the next :00/:30 boundary, for
 * a customer on a tier and for a customer on the default budget (LiteLLM #24675). The proxies run
 * on a clock the test moves: it starts just after one boundary and jumps past the next one, so the
 * test waits for no boundary. Both backends run side by side.
 */
class BudgetResetTest {
    static {
        LeakGuard.install();
    }

    private static final long PERIOD_MS = 30_000;

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

        Run(Mode mode, Clock clock) throws Exception {
            backend = Backend.create(mode);
            // A default budget must exist before the config names it: created on a first start, as
            // an operator does; its limit is set once the cost of a call is known.
            try (TestProxy first = backend.start(config(""), clock)) {
                new Api(first).ok("/budget/new", "{\"budget_id\": \"reset-default\", \"budget_duration\": \"30s\"}");
            }
            proxy = backend.start(config("litellm_settings:\n  max_end_user_budget_id: reset-default\n"), clock);
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
        return (nowMs / PERIOD_MS + 1) * PERIOD_MS;
    }

    @Test
    void thirtySecondBudgetsResetAtTheBoundary() throws Exception {
        // The proxies' time starts just after a boundary: a whole period for the set-up.
        long boundary = nextBoundaryMs(System.currentTimeMillis()) + PERIOD_MS;
        ShiftedClock clock = ShiftedClock.at(Instant.ofEpochMilli(boundary - PERIOD_MS + 100));
        List<Run> runs = new ArrayList<>();
        try {
            for (Mode m : Backend.availableModes()) {
                runs.add(new Run(m, clock));
            }
            for (Run r : runs) {
                // Measured while the default budget has no limit yet.
                r.cost = Api.cost(WalkthroughTest.okCall(r.api, "m", "rs-probe"));
            }
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
            assertThat(clock.millis()).as("set-up finished inside the period").isLessThan(boundary);

            clock.set(Instant.ofEpochMilli(boundary + 500));
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
            // The reset job moves budget_reset_at on in the database; spend of the new period stays.
            for (Run r : runs) {
                r.proxy.server().budgetResets().runOnce();
                JsonNode table = r.api.info("rs-tier").get("litellm_budget_table");
                long resetAt =
                        Instant.parse(table.get("budget_reset_at").asText()).toEpochMilli();
                JsonNode def = r.api.ok("/budget/info", "{\"budgets\": [\"reset-default\"]}")
                        .get(0);
                long defResetAt =
                        Instant.parse(def.get("budget_reset_at").asText()).toEpochMilli();
                assertThat(resetAt)
                        .as(r.backend.mode() + ": budget_reset_at moved forward")
                        .isEqualTo(boundary + PERIOD_MS);
                assertThat(defResetAt).isEqualTo(resetAt);

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
