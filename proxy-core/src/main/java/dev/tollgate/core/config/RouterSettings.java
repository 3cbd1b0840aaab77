package dev.tollgate.core.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The router keys Tollgate honours (LiteLLM reads them from {@code router_settings}, and several
 * also from {@code litellm_settings}; {@code router_settings} wins).
 *
 * @param numRetries             {@code num_retries}: further attempts of a model group after a retryable failure
 * @param fallbacks              {@code fallbacks}: model group to the groups tried, in order, once its retries are spent
 * @param contextWindowFallbacks {@code context_window_fallbacks}: groups tried on a context-length error
 * @param contentPolicyFallbacks {@code content_policy_fallbacks}: groups tried on a content-policy error
 * @param defaultFallbacks       {@code default_fallbacks}: the {@code fallbacks} of every group without its own
 * @param maxFallbacks           {@code max_fallbacks}: fallback groups tried at most (LiteLLM's default 5)
 * @param retryAfter             {@code retry_after}: the least a retry of the same deployment waits
 * @param allowedFails           {@code allowed_fails}: failures of one deployment within a minute before it cools down
 * @param cooldownTime           {@code cooldown_time}: how long a deployment is skipped once cooled down
 * @param cooldowns              false with {@code disable_cooldowns: true}
 * @param modelGroupAlias        {@code model_group_alias}: requested name to model group
 * @param hiddenAliases          aliases set with {@code hidden: true}, not listed by {@code /v1/models}
 */
public record RouterSettings(
        int numRetries,
        Map<String, List<String>> fallbacks,
        Map<String, List<String>> contextWindowFallbacks,
        Map<String, List<String>> contentPolicyFallbacks,
        List<String> defaultFallbacks,
        int maxFallbacks,
        Duration retryAfter,
        int allowedFails,
        Duration cooldownTime,
        boolean cooldowns,
        Map<String, String> modelGroupAlias,
        Set<String> hiddenAliases) {

    /** LiteLLM's defaults: {@code allowed_fails} 3 and {@code cooldown_time} 5 s. */
    public static final int DEFAULT_ALLOWED_FAILS = 3;

    public static final int DEFAULT_MAX_FALLBACKS = 5;

    public static final Duration DEFAULT_COOLDOWN_TIME = Duration.ofSeconds(5);

    /** No retries, no fallbacks, no aliases; cooldowns with LiteLLM's defaults. */
    public static final RouterSettings DEFAULTS = new RouterSettings(
            0,
            Map.of(),
            Map.of(),
            Map.of(),
            List.of(),
            DEFAULT_MAX_FALLBACKS,
            Duration.ZERO,
            DEFAULT_ALLOWED_FAILS,
            DEFAULT_COOLDOWN_TIME,
            true,
            Map.of(),
            Set.of());
}
