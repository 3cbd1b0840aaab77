/**
 * A fake Anthropic Messages API upstream for end-to-end tests: {@link
 * dev.tollgate.testing.anthropic.FakeAnthropic} answers {@code POST /v1/messages} as JSON or as an
 * event stream, with usage including cache reads and writes, tool use and Anthropic's error shape,
 * set through {@link dev.tollgate.testing.anthropic.FakeAnthropicOptions}, and records every request.
 */
package dev.tollgate.testing.anthropic;
