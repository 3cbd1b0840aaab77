package dev.tollgate.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.core.money.Money;
import dev.tollgate.core.usage.CallRecord;
import dev.tollgate.core.usage.Usage;
import dev.tollgate.server.ShiftedClock;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The customers shown are those nearest to or over their budget, not the biggest spenders. */
class NearestLimitsTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ShiftedClock clock = ShiftedClock.at(Instant.parse("2026-01-10T12:00:00Z"));
    private final NearestLimits nearest = new NearestLimits(registry, 2, clock);

    private void call(String customer, double budgetUsd, double spentUsd, long periodEndMs) {
        nearest.record(CallRecord.builder()
                .customerId(customer)
                .modelGroup("m")
                .deploymentModel("m")
                .route("/chat/completions")
                .usage(Usage.ZERO)
                .status(200)
                .maxBudgetNanos(Math.round(budgetUsd * Money.NANOS_PER_USD))
                .periodSpendNanos(Math.round(spentUsd * Money.NANOS_PER_USD))
                .periodEndMs(periodEndMs)
                .build());
    }

    private Map<String, Double> shown(String name) {
        Map<String, Double> m = new TreeMap<>();
        for (Gauge g : registry.find(name).gauges()) {
            m.put(g.getId().getTag("end_user"), g.value());
        }
        return m;
    }

    @Test
    void aSmallCustomerAtItsLimitOutranksABigSpenderFarFromIt() {
        call("big", 1000, 400, 0); // 40 % used, the largest spend
        call("near", 10, 9, 0); // 90 % used
        call("broke", 0.01, 0.01, 0); // at its limit, tiny spend
        call("none", 5, 0, 0); // nothing spent: never shown
        nearest.refresh();
        assertThat(shown("tollgate_end_user_budget_used_ratio")).containsOnlyKeys("broke", "near");
        assertThat(shown("tollgate_end_user_budget_used_ratio").get("broke")).isEqualTo(1.0);
        assertThat(shown("tollgate_end_user_remaining_budget_usd").get("broke")).isZero();
        assertThat(shown("tollgate_end_user_remaining_budget_usd").get("near")).isEqualTo(1.0, within());

        // Over the limit (spend settled past the budget): remaining stays 0, the ratio shows how far.
        call("big", 1000, 1100, 0);
        nearest.refresh();
        assertThat(shown("tollgate_end_user_budget_used_ratio")).containsOnlyKeys("big", "broke");
        assertThat(shown("tollgate_end_user_budget_used_ratio").get("big")).isEqualTo(1.1, within());
        assertThat(shown("tollgate_end_user_remaining_budget_usd").get("big")).isZero();
    }

    @Test
    void aBudgetPeriodThatEndedCountsAsReset() {
        long periodEnd = clock.millis() + 60_000;
        call("monthly", 10, 10, periodEnd);
        call("near", 10, 5, 0);
        nearest.refresh();
        assertThat(shown("tollgate_end_user_budget_used_ratio")).containsOnlyKeys("monthly", "near");
        clock.advance(Duration.ofMinutes(2));
        nearest.refresh();
        assertThat(shown("tollgate_end_user_budget_used_ratio")).containsOnlyKeys("near");
    }

    private static org.assertj.core.data.Offset<Double> within() {
        return org.assertj.core.data.Offset.offset(1e-9);
    }
}
