package dev.tollgate.admin.webhook;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.tollgate.core.json.Json;
import dev.tollgate.core.money.Money;
import dev.tollgate.core.usage.CallRecord;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * Builds LiteLLM's {@code WebhookEvent} bodies from a finished call. Fields and their order follow
 * LiteLLM's {@code spend_tracked} example; money is rendered exactly from nano-dollars (a JSON
 * number such as {@code 0.001113} or {@code 10.0}, never a binary float with 17 digits).
 */
public final class WebhookEvents {
    public static final String SPEND_TRACKED = "spend_tracked";
    public static final String THRESHOLD_CROSSED = "threshold_crossed";
    public static final String BUDGET_CROSSED = "budget_crossed";
    public static final String SOFT_BUDGET_CROSSED = "soft_budget_crossed";
    private static final BigDecimal HUNDRED = BigDecimal.valueOf(100);

    private WebhookEvents() {}

    /**
     * The {@code spend_tracked} event of one call: {@code spend} is this call's cost. When its
     * tokens were counted locally the body ends with {@code "metadata":{"usage_estimated":true}}.
     */
    public static WebhookEvent spendTracked(CallRecord r) {
        String spend = usd(r.costNanos());
        String body = body(
                spend, r, SPEND_TRACKED, "Customer spend tracked. Customer=" + r.customerId() + ", spend=" + spend);
        return new WebhookEvent("evt_" + r.requestId().replace("-", ""), SPEND_TRACKED, r.customerId(), body);
    }

    /**
     * The budget event this call reached, if any: {@code budget_crossed} once the period spend
     * reaches the max budget, else {@code threshold_crossed} for the highest threshold reached.
     * Its id depends only on (customer, event, threshold, budget period), so it is the same on
     * every instance and after restarts. {@code spend} is the customer's period spend.
     *
     * @param thresholds ascending fractions in (0, 1)
     * @return null when the call has no budget facts or reached no threshold
     */
    public static WebhookEvent budgetEvent(CallRecord r, List<BigDecimal> thresholds) {
        if (r.customerId() == null || !r.hasBudget() || r.periodSpendNanos() < 0) {
            return null;
        }
        BigDecimal spent = BigDecimal.valueOf(r.periodSpendNanos());
        BigDecimal max = BigDecimal.valueOf(r.maxBudgetNanos());
        String spend = usd(r.periodSpendNanos());
        if (spent.compareTo(max) >= 0) {
            String message = "Customer Budget: Budget Crossed\n Total Budget:`" + usd(r.maxBudgetNanos()) + "`";
            return new WebhookEvent(
                    budgetEventId(r.customerId(), BUDGET_CROSSED, r.periodEndMs(), BigDecimal.ONE),
                    BUDGET_CROSSED,
                    r.customerId(),
                    body(spend, r, BUDGET_CROSSED, message));
        }
        for (int i = thresholds.size() - 1; i >= 0; i--) {
            BigDecimal t = thresholds.get(i);
            if (spent.compareTo(max.multiply(t)) >= 0) {
                // LiteLLM names a threshold by the part of the budget left: 0.95 used = "5% Threshold Crossed".
                String left = BigDecimal.ONE
                        .subtract(t)
                        .multiply(HUNDRED)
                        .stripTrailingZeros()
                        .toPlainString();
                String message = "Customer Budget: " + left + "% Threshold Crossed";
                return new WebhookEvent(
                        budgetEventId(r.customerId(), THRESHOLD_CROSSED, r.periodEndMs(), t),
                        THRESHOLD_CROSSED,
                        r.customerId(),
                        body(spend, r, THRESHOLD_CROSSED, message));
            }
        }
        return null;
    }

    /**
     * {@code soft_budget_crossed} once the customer's period spend after this call has reached its
     * {@code soft_budget}; one per customer and budget period (deterministic id, as for
     * {@link #budgetEvent}). {@code spend} is the period spend. Null when not reached.
     */
    public static WebhookEvent softBudgetEvent(CallRecord r) {
        if (r.customerId() == null || !r.pastSoftBudget()) {
            return null;
        }
        String message = "Customer Budget: Soft Budget Crossed\n Soft Budget:`" + usd(r.softBudgetNanos()) + "`";
        return new WebhookEvent(
                budgetEventId(r.customerId(), SOFT_BUDGET_CROSSED, r.periodEndMs(), BigDecimal.ONE),
                SOFT_BUDGET_CROSSED,
                r.customerId(),
                body(usd(r.periodSpendNanos()), r, SOFT_BUDGET_CROSSED, message));
    }

    /** {@code evt_} + 40 hex digits of SHA-256 over (event, customer, period end, threshold). */
    public static String budgetEventId(String customerId, String event, long periodEndMs, BigDecimal threshold) {
        String key = event + "\n" + customerId + "\n" + periodEndMs + "\n"
                + threshold.stripTrailingZeros().toPlainString();
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return "evt_" + HexFormat.of().formatHex(d).substring(0, 40);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** USD from nano-dollars, exact, Python-float-like for whole numbers ({@code 10.0}). */
    public static String usd(long nanos) {
        String s = Money.nanosToUsd(nanos).toPlainString();
        return s.contains(".") ? s : s + ".0";
    }

    private static String body(String spend, CallRecord r, String event, String message) {
        StringWriter out = new StringWriter(384);
        try (JsonGenerator g = Json.MAPPER.getFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeFieldName("spend");
            g.writeNumber(spend);
            g.writeFieldName("max_budget");
            if (r.hasBudget()) {
                g.writeNumber(usd(r.maxBudgetNanos()));
            } else {
                g.writeNull();
            }
            if (SOFT_BUDGET_CROSSED.equals(event)) {
                // LiteLLM's newer CallInfo carries soft_budget; only this event needs it.
                g.writeFieldName("soft_budget");
                g.writeNumber(usd(r.softBudgetNanos()));
            }
            g.writeStringField("token", r.apiKeyHash());
            g.writeStringField("customer_id", r.customerId());
            g.writeNullField("user_id");
            g.writeNullField("team_id");
            g.writeNullField("user_email");
            g.writeNullField("key_alias");
            g.writeNullField("projected_exceeded_date");
            g.writeNullField("projected_spend");
            g.writeStringField("event", event);
            g.writeStringField("event_group", "customer");
            g.writeStringField("event_message", message);
            if (SPEND_TRACKED.equals(event) && r.usage().estimated()) {
                // The upstream reported no usage (or the call was cut): the tokens, and so the
                // spend, were counted locally. Only then, so other bodies stay LiteLLM's exactly.
                g.writeObjectFieldStart("metadata");
                g.writeBooleanField("usage_estimated", true);
                g.writeEndObject();
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }
}
