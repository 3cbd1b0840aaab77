package dev.tollgate.core.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The loaded, validated {@code config.yaml} (LiteLLM's format). Immutable; built by
 * {@link ConfigLoader}.
 */
public record TollgateConfig(
        List<ModelDeployment> models,
        GeneralSettings general,
        LitellmSettings litellm,
        RouterSettings router,
        ProxyBudgetSettings proxyBudget) {
    /** A config with the default router settings (no retries, fallbacks or aliases) and no proxy-wide budget. */
    public TollgateConfig(List<ModelDeployment> models, GeneralSettings general, LitellmSettings litellm) {
        this(models, general, litellm, RouterSettings.DEFAULTS, ProxyBudgetSettings.NONE);
    }

    /** Added to the longest call when deriving the reservation TTL: admission and settle latency, clock skew. */
    static final Duration RESERVATION_MARGIN = Duration.ofSeconds(60);

    /**
     * How long an unsettled budget reservation keeps counting: {@code reservation_ttl_seconds} when
     * configured, else the longest a call may run ({@code request_timeout}, or a deployment's longer
     * {@code timeout}) plus one minute. At least 1 ms.
     */
    public Duration reservationTtl() {
        Duration ttl = general.reservationTtl() != null
                ? general.reservationTtl()
                : longestCall().plus(RESERVATION_MARGIN);
        return ttl.toMillis() < 1 ? Duration.ofMillis(1) : ttl;
    }

    /** The longest a call may take upstream: {@code request_timeout} or a deployment's longer timeout. */
    public Duration longestCall() {
        Duration longest = general.requestTimeout();
        for (ModelDeployment d : models) {
            if (d.timeout() != null && d.timeout().compareTo(longest) > 0) {
                longest = d.timeout();
            }
        }
        return longest;
    }

    /** Deployments grouped by public model name, in config order. */
    public Map<String, List<ModelDeployment>> modelGroups() {
        Map<String, List<ModelDeployment>> groups = new LinkedHashMap<>();
        for (ModelDeployment d : models) {
            groups.computeIfAbsent(d.modelName(), k -> new ArrayList<>()).add(d);
        }
        return groups;
    }
}
