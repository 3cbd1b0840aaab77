package dev.tollgate.core.config;

import java.time.ZoneId;

/** {@code litellm_settings}. */
public record LitellmSettings(
        String maxEndUserBudgetId,
        ZoneId timezone,
        boolean enableEndUserCostTrackingPrometheusOnly,
        boolean disableEndUserCostTracking,
        int prometheusEndUserCap) {}
