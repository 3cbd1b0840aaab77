/**
 * Anthropic's Messages API spoken for chat completions clients: pure translations of requests,
 * responses, stream events, usage and errors between the two wire formats.
 */
package dev.tollgate.core.anthropic;
