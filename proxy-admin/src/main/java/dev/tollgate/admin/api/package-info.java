/**
 * The admin HTTP API (LiteLLM's {@code /customer/*} and {@code /budget/*} routes) as plain
 * request to response functions: field validation, the services behind them, and the JSON they
 * answer. No Netty here; the server adapts it.
 */
package dev.tollgate.admin.api;
