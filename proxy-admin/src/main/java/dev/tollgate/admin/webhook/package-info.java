/**
 * Webhooks: LiteLLM's {@code spend_tracked} and budget events built from finished calls, the
 * database outbox shared by the fleet, signing (Standard Webhooks) and delivery with retries.
 */
package dev.tollgate.admin.webhook;
