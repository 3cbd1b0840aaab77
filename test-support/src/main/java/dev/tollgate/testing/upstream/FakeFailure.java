package dev.tollgate.testing.upstream;

/**
 * How {@link FakeUpstream} misbehaves on the completion and embedding routes. {@code GET /v1/models}
 * and unknown routes are never affected, so a health check keeps working while a failure is set.
 */
public enum FakeFailure {
    /** Answer normally. */
    NONE,
    /** Status 500 with an OpenAI-shaped {@code server_error} body, also for streaming requests. */
    HTTP_500,
    /** Status 429 {@code rate_limit_exceeded} with {@code retry-after: 1}. */
    HTTP_429,
    /**
     * Send {@code failAfterChunks} content chunks, then close with {@code SO_LINGER 0} so the peer
     * sees a TCP RST. A non-streaming request is reset before any byte of the response.
     */
    RESET_MID_STREAM,
    /** Read the request and never answer; the connection stays open until the peer gives up. */
    STALL,
    /** Stream normally but never send the usage chunk, even when {@code include_usage} was asked. */
    STREAM_WITHOUT_USAGE,
    /** Close the connection (a clean FIN) after reading the request, without a response. */
    CLOSE_BEFORE_RESPONSE,
    /** Status 400 {@code context_length_exceeded}, OpenAI's answer to a prompt longer than the context window. */
    CONTEXT_LENGTH,
    /** Status 400 {@code content_policy_violation}, a provider's content filter refusing the prompt. */
    CONTENT_POLICY
}
