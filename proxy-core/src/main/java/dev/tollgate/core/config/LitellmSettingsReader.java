package dev.tollgate.core.config;

import java.time.DateTimeException;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;

/** Reads {@code litellm_settings}. */
final class LitellmSettingsReader {
    private static final Set<String> KEYS = Set.of(
            "num_retries",
            "fallbacks",
            "context_window_fallbacks",
            "content_policy_fallbacks",
            "default_fallbacks",
            "max_budget",
            "budget_duration",
            "max_end_user_budget_id",
            "timezone",
            "enable_end_user_cost_tracking_prometheus_only",
            "disable_end_user_cost_tracking",
            "prometheus_end_user_cap",
            "request_timeout",
            "json_logs",
            "callbacks",
            "success_callback",
            "failure_callback");
    private static final List<String> CALLBACK_KEYS = List.of("callbacks", "success_callback", "failure_callback");
    /**
     * Callbacks Tollgate honours: {@code prometheus} ({@code /metrics} is always served) and
     * {@code blocked_user_check} (blocked customers are always refused).
     */
    private static final Set<String> CALLBACKS = Set.of("prometheus", "blocked_user_check");

    private LitellmSettingsReader() {}

    static LitellmSettings read(ConfigNode s) {
        s.checkKeys(KEYS, NoEffectKeys.LITELLM);
        for (String key : CALLBACK_KEYS) {
            for (String callback : s.stringList(key)) {
                if (!CALLBACKS.contains(callback)) {
                    s.diagnostics().noEffect(s.path(key) + ": " + callback, null);
                }
            }
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
            s.reject("timezone", "unknown time zone \"" + zone + "\"; use a region id such as Europe/Berlin or UTC");
            return ZoneOffset.UTC;
        }
    }
}
