/**
 * Router rules of LiteLLM's {@code router_settings}: which upstream failures are retried or fall
 * back to another model group, how long a retry waits, and when a deployment cools down. Pure
 * functions and small state holders; the server applies them to its calls.
 */
package dev.tollgate.core.routing;
