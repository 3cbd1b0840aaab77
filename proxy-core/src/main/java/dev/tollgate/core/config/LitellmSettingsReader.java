package dev.tollgate.core.config;

import java.time.DateTimeException;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Set;

/** Reads {@code litellm_settings}. */
final class LitellmSettingsReader {
    private static final Set<String> KEYS = Set.of(
            "max_end_user_budget_id",
            "timezone",
            "enable_end_user_cost_tracking_prometheus_only",
            "disable_end_user_cost_tracking",
            "prometheus_end_user_cap",
            "max_end_user_budget",
            "request_timeout",
            "json_logs",
            // Known LiteLLM settings without effect in Tollgate.
            "callbacks",
            "success_callback",
            "failure_callback",
            "max_budget",
            "budget_duration",
            "validate_end_user_id_in_db",
            "drop_params",
            "num_retries",
            "set_verbose",
            "cache",
            "cache_params",
            "turn_off_message_logging",
            "telemetry",
            "modify_params");

    private LitellmSettingsReader() {}

    static LitellmSettings read(ConfigNode s) {
        s.checkKeys(KEYS);
        if (s.has("max_end_user_budget")) {
            s.diagnostics()
                    .warn(s.path("max_end_user_budget") + " is deprecated and not enforced;"
                            + " create a budget and set litellm_settings.max_end_user_budget_id to its id");
        }
        long cap = s.nonNegativeLong("prometheus_end_user_cap", 100);
        return new LitellmSettings(
                s.string("max_end_user_budget_id"),
                timezone(s),
                s.bool("enable_end_user_cost_tracking_prometheus_only", false),
                s.bool("disable_end_user_cost_tracking", false),
                (int) Math.min(Integer.MAX_VALUE, cap),
                jsonLogs(s));
    }

    /** {@code json_logs}, else LiteLLM's {@code JSON_LOGS} variable ({@code true}, {@code True} or {@code 1}). */
    private static boolean jsonLogs(ConfigNode s) {
        if (s.has("json_logs")) {
            return s.bool("json_logs", false);
        }
        String env = s.env().get("JSON_LOGS");
        return env != null && ("1".equals(env.trim()) || "true".equalsIgnoreCase(env.trim()));
    }

    private static ZoneId timezone(ConfigNode s) {
        String zone = s.string("timezone");
        if (zone == null || zone.isBlank()) {
            return ZoneOffset.UTC;
        }
        try {
            return ZoneId.of(zone.trim());
        } catch (DateTimeException e) {
            throw s.error(
                    "timezone", "unknown time zone \"" + zone + "\"; use a region id such as Europe/Berlin or UTC");
        }
    }
}
