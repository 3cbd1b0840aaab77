/**
 * Prometheus metrics: the per-call series, LiteLLM's names, the capped per-customer series, and
 * the {@code /metrics} route.
 */
package dev.tollgate.server.metrics;
