package dev.tollgate.admin.webhook;

/**
 * One event for the outbox.
 *
 * @param id         the Standard Webhooks {@code webhook-id}: stable across retries, deterministic
 *                   for budget events so that instances and replays collapse on it
 * @param type       {@code spend_tracked}, {@code threshold_crossed} or {@code budget_crossed}
 * @param payload    the JSON body, exactly as it will be sent and signed
 */
public record WebhookEvent(String id, String type, String customerId, String payload) {}
