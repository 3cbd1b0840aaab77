package dev.tollgate.core.config;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;

/**
 * Webhook delivery settings beyond LiteLLM's ({@code general_settings.webhook_*}).
 *
 * @param thresholds    fractions of the max budget (0 &lt; t &lt; 1) whose crossing sends a customer
 *                      {@code threshold_crossed} event; {@code budget_crossed} is always sent at 1
 * @param retryBaseMs   first retry delay; each further retry waits about four times longer (with jitter)
 * @param maxAttempts   attempts before an event is dead-lettered
 * @param queueCapacity events waiting to be written to the outbox; beyond it events are dropped and counted
 * @param timeout       per-attempt HTTP timeout
 */
public record WebhookOptions(
        List<BigDecimal> thresholds, long retryBaseMs, int maxAttempts, int queueCapacity, Duration timeout) {

    public static final WebhookOptions DEFAULTS = new WebhookOptions(
            List.of(new BigDecimal("0.85"), new BigDecimal("0.95")), 5_000, 10, 10_000, Duration.ofSeconds(10));
}
