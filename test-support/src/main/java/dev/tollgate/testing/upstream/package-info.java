/**
 * A fake OpenAI-compatible upstream for end-to-end tests and benchmarks: {@link
 * dev.tollgate.testing.upstream.FakeUpstream} serves chat completions (JSON and SSE), embeddings and
 * models on raw Netty, with latency, pacing and failure modes set through {@link
 * dev.tollgate.testing.upstream.FakeUpstreamOptions}, and records every request it receives.
 */
package dev.tollgate.testing.upstream;
