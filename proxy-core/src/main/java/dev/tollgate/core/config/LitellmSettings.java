package dev.tollgate.core.config;

import java.time.ZoneId;

/**
 * {@code litellm_settings}.
 *
 * @param jsonLogs {@code json_logs}, else the {@code JSON_LOGS} environment variable: log lines as JSON objects
 */
public record LitellmSettings(
        String maxEndUserBudgetId,
        ZoneId timezone,
        boolean enableEndUserCostTrackingPrometheusOnly,
        boolean disableEndUserCostTracking,
        int prometheusEndUserCap,
        boolean jsonLogs) {

    /** Settings with plain-text logs. */
    public LitellmSettings(
            String maxEndUserBudgetId,
            ZoneId timezone,
            boolean enableEndUserCostTrackingPrometheusOnly,
            boolean disableEndUserCostTracking,
            int prometheusEndUserCap) {
        this(
                maxEndUserBudgetId,
                timezone,
                enableEndUserCostTrackingPrometheusOnly,
                disableEndUserCostTracking,
                prometheusEndUserCap,
                false);
    }
}
