package dev.tollgate.admin.webhook;

import dev.tollgate.core.config.GeneralSettings;
import dev.tollgate.core.config.WebhookOptions;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;

/**
 * What the webhook outbox needs from the configuration.
 *
 * @param url           {@code WEBHOOK_URL} / {@code general_settings.webhook_url}
 * @param secret        {@code general_settings.webhook_secret} ({@code whsec_<base64>} or raw); null = unsigned
 * @param spendTracked  send {@code spend_tracked} for every tracked call
 * @param budgetAlerts  send customer {@code threshold_crossed}, {@code budget_crossed} and {@code soft_budget_crossed}
 * @param thresholds    fractions of the max budget, ascending, each in (0, 1)
 */
public record WebhookConfig(
        String url,
        String secret,
        boolean spendTracked,
        boolean budgetAlerts,
        List<BigDecimal> thresholds,
        long retryBaseMs,
        int maxAttempts,
        int queueCapacity,
        Duration timeout) {

    /** {@code alert_types} names that turn the two event families on when the list is given. */
    public static final String SPEND_TRACKED = "spend_tracked";

    public static final String BUDGET_ALERTS = "budget_alerts";

    /**
     * Null unless {@code alerting} contains {@code webhook} and a URL is set. Without
     * {@code alert_types} every event is sent (LiteLLM sends spend_tracked regardless); with it,
     * {@code spend_tracked} and {@code budget_alerts} must be listed to be sent.
     */
    public static WebhookConfig from(GeneralSettings g) {
        if (!g.webhookAlerting()) {
            return null;
        }
        List<String> types = g.alertTypes();
        boolean all = types.isEmpty();
        WebhookOptions o = g.webhook() != null ? g.webhook() : WebhookOptions.DEFAULTS;
        String secret = g.webhookSecret() == null || g.webhookSecret().isBlank()
                ? null
                : g.webhookSecret().trim();
        return new WebhookConfig(
                g.webhookUrl().trim(),
                secret,
                all || types.contains(SPEND_TRACKED),
                all || types.contains(BUDGET_ALERTS),
                o.thresholds(),
                o.retryBaseMs(),
                o.maxAttempts(),
                o.queueCapacity(),
                o.timeout());
    }
}
