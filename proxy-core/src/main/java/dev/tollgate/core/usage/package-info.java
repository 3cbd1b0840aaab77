/**
 * Token usage: reading it from OpenAI responses and streams, estimating it when a stream is cut,
 * and the record of a finished call that listeners (metrics, webhooks) receive.
 */
package dev.tollgate.core.usage;
