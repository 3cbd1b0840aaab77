package dev.tollgate.core.config;

import dev.tollgate.core.customer.CustomerIdSource;
import dev.tollgate.core.limits.TokenRateLimitType;
import java.time.Duration;
import java.util.List;

/**
 * {@code general_settings}.
 *
 * @param customerHeaders       lower-cased header names from {@code user_header_mappings} (role customer),
 *                              then {@code user_header_name}
 * @param tokenRateLimitType    which tokens count against TPM ({@code output} by default)
 * @param budgetExceededStatus  400 (LiteLLM's default) or 429 (then with {@code x-should-retry: false})
 * @param defaultReserveTokens  completion tokens reserved at admit when neither the request's
 *                              {@code max_tokens} nor the model's output limit is known
 * @param redisKeyPrefix        prefix of every Redis key and channel (default {@code tg:}); deployments
 *                              sharing one Redis must use different prefixes
 * @param failOpen              Redis unreachable: admit calls (true) or refuse with 503 (false)
 * @param webhook               thresholds, retries and queue of the webhook outbox
 * @param redisCommandTimeout   per-command Redis timeout ({@code redis_command_timeout_ms}, default 250 ms):
 *                              the longest a call waits on an unreachable Redis
 * @param reservationTtl        {@code reservation_ttl_seconds}: how long an unsettled budget reservation
 *                              keeps counting; null when not configured (then
 *                              {@link TollgateConfig#reservationTtl()} derives it from the timeouts)
 * @param customerIdSources     {@code customer_id_sources}: where a call's customer id is looked for, in order
 * @param requireCustomerId     {@code require_customer_id}: refuse a call that names no customer (400)
 * @param spendReconcileInterval {@code spend_reconcile_interval} (default 60 s): how often each instance
 *                              compares the limit store's spend of the customers it served with the
 *                              ledger plus pending spend, and repairs a drift
 * @param priceCatalogue        {@code price_catalogue}: file or URL of the price catalogue in use instead of
 *                              the bundled one; null for the bundled one
 */
public record GeneralSettings(
        String masterKey,
        String databaseUrl,
        String redisUrl,
        String redisKeyPrefix,
        List<String> alerting,
        List<String> alertTypes,
        String webhookUrl,
        String webhookSecret,
        Duration batchWriteInterval,
        List<String> customerHeaders,
        boolean enforceUserParam,
        TokenRateLimitType tokenRateLimitType,
        int budgetExceededStatus,
        long defaultReserveTokens,
        String routingStrategy,
        boolean failOpen,
        long maxRequestBodyBytes,
        Duration connectTimeout,
        Duration readTimeout,
        Duration requestTimeout,
        Duration clientIdleTimeout,
        Duration shutdownDrainTimeout,
        WebhookOptions webhook,
        Duration redisCommandTimeout,
        Duration reservationTtl,
        List<CustomerIdSource> customerIdSources,
        boolean requireCustomerId,
        Duration spendReconcileInterval,
        String priceCatalogue,
        ScaleOptions scale) {

    public boolean webhookAlerting() {
        return alerting.contains("webhook") && webhookUrl != null && !webhookUrl.isBlank();
    }

    /** {@code routing_strategy: usage-based-routing-v2} (or v1): deployment rpm/tpm are enforced. */
    public boolean usageBasedRouting() {
        return GeneralSettingsReader.USAGE_BASED.equals(routingStrategy);
    }
}
