package dev.tollgate.admin.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.core.json.Json;
import dev.tollgate.core.usage.CallRecord;
import dev.tollgate.core.usage.Usage;
import java.math.BigDecimal;
import java.util.List;
import org.junit.jupiter.api.Test;

class WebhookEventsTest {
    private static final List<BigDecimal> THRESHOLDS = List.of(new BigDecimal("0.85"), new BigDecimal("0.95"));
    private static final String TOKEN = "88dc28d0f030c55ed4ab77ed8faf098196cb1c05df778539800c9f1243fe6b4b";

    private static CallRecord call(String customer, long costNanos, long maxBudget, long periodSpend, long periodEnd) {
        return CallRecord.builder()
                .requestId("0b4f0c3e-1111-2222-3333-444455556666")
                .customerId(customer)
                .modelGroup("gpt-4o")
                .deploymentModel("gpt-4o")
                .route("/chat/completions")
                .stream(false)
                .usage(new Usage(10, 20, 0, false))
                .costNanos(costNanos)
                .outcome(CallRecord.Outcome.OK)
                .status(200)
                .startedNanos(0)
                .upstreamNanos(0)
                .totalNanos(0)
                .apiKeyHash(TOKEN)
                .firstByteNanos(0)
                .maxBudgetNanos(maxBudget)
                .periodSpendNanos(periodSpend)
                .periodEndMs(periodEnd)
                .build();
    }

    @Test
    void softBudgetEventOncePastTheSoftBudgetWithAnIdPerPeriod() {
        CallRecord.Builder below = CallRecord.builder()
                .requestId("r1")
                .customerId("acme")
                .apiKeyHash(TOKEN)
                .softBudgetNanos(8_000_000_000L)
                .periodSpendNanos(7_999_999_999L)
                .periodEndMs(1_000);
        assertThat(WebhookEvents.softBudgetEvent(below.build())).isNull();
        assertThat(WebhookEvents.softBudgetEvent(below.softBudgetNanos(-1).build()))
                .isNull();
        WebhookEvent e = WebhookEvents.softBudgetEvent(below.softBudgetNanos(8_000_000_000L)
                .periodSpendNanos(8_000_000_000L)
                .build());
        assertThat(e.type()).isEqualTo("soft_budget_crossed");
        assertThat(e.payload())
                .isEqualTo(
                        "{\"spend\":8.0,\"max_budget\":null,\"soft_budget\":8.0,\"token\":\"" + TOKEN + "\","
                                + "\"customer_id\":\"acme\",\"user_id\":null,\"team_id\":null,\"user_email\":null,\"key_alias\":null,"
                                + "\"projected_exceeded_date\":null,\"projected_spend\":null,\"event\":\"soft_budget_crossed\","
                                + "\"event_group\":\"customer\",\"event_message\":\"Customer Budget: Soft Budget Crossed\\n Soft Budget:`8.0`\"}");
        // The same period gives the same id on every call and instance; the next period another.
        WebhookEvent later = WebhookEvents.softBudgetEvent(
                below.requestId("r2").periodSpendNanos(9_000_000_000L).build());
        assertThat(later.id()).isEqualTo(e.id());
        assertThat(WebhookEvents.softBudgetEvent(below.periodEndMs(2_000).build())
                        .id())
                .isNotEqualTo(e.id());
    }

    @Test
    void spendTrackedIsLiteLlmsPayloadFieldForField() {
        WebhookEvent e = WebhookEvents.spendTracked(call("krrish12", 1_112_000, -1, 5_000_000, 0));
        assertThat(e.payload())
                .isEqualTo("{\"spend\":0.001112,\"max_budget\":null,\"token\":\"" + TOKEN + "\","
                        + "\"customer_id\":\"krrish12\",\"user_id\":null,\"team_id\":null,\"user_email\":null,\"key_alias\":null,"
                        + "\"projected_exceeded_date\":null,\"projected_spend\":null,\"event\":\"spend_tracked\",\"event_group\":\"customer\","
                        + "\"event_message\":\"Customer spend tracked. Customer=krrish12, spend=0.001112\"}");
        assertThat(e.id()).isEqualTo("evt_0b4f0c3e111122223333444455556666");
        assertThat(e.type()).isEqualTo("spend_tracked");
    }

    @Test
    void aCallCountedLocallyIsMarkedEstimatedInItsMetadata() throws Exception {
        CallRecord exact = call("krrish12", 1_112_000, -1, 5_000_000, 0);
        CallRecord estimated = CallRecord.builder()
                .requestId(exact.requestId())
                .customerId("krrish12")
                .modelGroup("gpt-4o")
                .deploymentModel("gpt-4o")
                .route("/chat/completions")
                .stream(true)
                .usage(new Usage(10, 20, 0, true))
                .costNanos(1_112_000)
                .outcome(CallRecord.Outcome.OK)
                .status(200)
                .apiKeyHash(TOKEN)
                .maxBudgetNanos(-1)
                .build();

        String body = WebhookEvents.spendTracked(estimated).payload();
        assertThat(body).endsWith(",\"metadata\":{\"usage_estimated\":true}}");
        assertThat(Json.MAPPER.readTree(body).get("spend").decimalValue()).isEqualByComparingTo("0.001112");
        assertThat(WebhookEvents.spendTracked(exact).payload()).doesNotContain("metadata");
    }

    @Test
    void moneyIsExactAndWholeDollarsLookLikePythonFloats() throws Exception {
        WebhookEvent e = WebhookEvents.spendTracked(call("c\"1", 1, 10_000_000_000L, 1, 0));
        var json = Json.MAPPER.readTree(e.payload());
        assertThat(e.payload()).startsWith("{\"spend\":0.000000001,\"max_budget\":10.0,");
        assertThat(json.get("customer_id").asText()).isEqualTo("c\"1");
        assertThat(WebhookEvents.spendTracked(call("c", 0, -1, 0, 0)).payload())
                .contains("\"spend\":0.0,")
                .contains("spend=0.0\"");
    }

    @Test
    void budgetEventsPickTheHighestThresholdReachedWithAStableIdPerPeriod() throws Exception {
        long max = 10_000_000_000L;
        assertThat(WebhookEvents.budgetEvent(call("c", 1, max, 8_499_999_999L, 77), THRESHOLDS))
                .isNull();
        WebhookEvent t85 = WebhookEvents.budgetEvent(call("c", 1, max, 8_500_000_000L, 77), THRESHOLDS);
        assertThat(t85.type()).isEqualTo("threshold_crossed");
        var json = Json.MAPPER.readTree(t85.payload());
        assertThat(json.get("spend").decimalValue()).isEqualByComparingTo("8.5");
        assertThat(json.get("max_budget").decimalValue()).isEqualByComparingTo("10");
        assertThat(json.get("event_group").asText()).isEqualTo("customer");
        assertThat(json.get("event_message").asText()).isEqualTo("Customer Budget: 15% Threshold Crossed");
        // Same customer, threshold and period: same id, whatever the spend or call.
        assertThat(WebhookEvents.budgetEvent(call("c", 5, max, 9_000_000_000L, 77), THRESHOLDS)
                        .id())
                .isEqualTo(t85.id());
        WebhookEvent t95 = WebhookEvents.budgetEvent(call("c", 1, max, 9_600_000_000L, 77), THRESHOLDS);
        assertThat(t95.id()).isNotEqualTo(t85.id());
        assertThat(Json.MAPPER.readTree(t95.payload()).get("event_message").asText())
                .isEqualTo("Customer Budget: 5% Threshold Crossed");
        WebhookEvent crossed = WebhookEvents.budgetEvent(call("c", 1, max, max, 77), THRESHOLDS);
        assertThat(crossed.type()).isEqualTo("budget_crossed");
        assertThat(Json.MAPPER.readTree(crossed.payload()).get("event_message").asText())
                .isEqualTo("Customer Budget: Budget Crossed\n Total Budget:`10.0`");
        // A new budget period is a new event.
        assertThat(WebhookEvents.budgetEvent(call("c", 1, max, 8_600_000_000L, 78), THRESHOLDS)
                        .id())
                .isNotEqualTo(t85.id());
        assertThat(WebhookEvents.budgetEvent(call("d", 1, max, 8_600_000_000L, 77), THRESHOLDS)
                        .id())
                .isNotEqualTo(t85.id());
        // No budget, or spend unknown: nothing.
        assertThat(WebhookEvents.budgetEvent(call("c", 1, -1, 8_600_000_000L, 77), THRESHOLDS))
                .isNull();
        assertThat(WebhookEvents.budgetEvent(call("c", 1, max, -1, 77), THRESHOLDS))
                .isNull();
    }
}
