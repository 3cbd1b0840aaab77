package dev.tollgate.core.limits;

import dev.tollgate.core.money.ModelPrice;

/**
 * The worst case of a call, estimated before it is sent: what admission reserves against the
 * customer's budget and TPM window until the call settles with its real usage. The rule is the
 * README's "Reservation":
 *
 * <ul>
 *   <li>prompt tokens: request body bytes ÷ {@value #BODY_BYTES_PER_PROMPT_TOKEN}, plus one (a
 *       token is rarely shorter than three bytes of JSON, so this over-counts rather than under);
 *   <li>completion tokens: the request's {@code max_tokens} (or {@code max_completion_tokens}),
 *       else the model's output limit from its price, else {@code default_reserve_tokens}; none
 *       for a call that produces no completion (an embedding);
 *   <li>cost: those tokens at the deployment's prices; window tokens: per
 *       {@link TokenRateLimitType}.
 * </ul>
 */
public final class AdmissionEstimator {
    public static final int BODY_BYTES_PER_PROMPT_TOKEN = 3;

    private final long defaultCompletionTokens;
    private final TokenRateLimitType tokenRateLimitType;

    /**
     * @param defaultCompletionTokens completion tokens to assume when neither the request nor the
     *                                model's price names a limit ({@code default_reserve_tokens})
     */
    public AdmissionEstimator(long defaultCompletionTokens, TokenRateLimitType tokenRateLimitType) {
        this.defaultCompletionTokens = defaultCompletionTokens;
        this.tokenRateLimitType = tokenRateLimitType;
    }

    /**
     * @param requestBodyBytes size of the client's request body
     * @param maxTokens        the request's completion limit; 0 when it set none
     * @param completes        false for a call that produces no completion tokens (an embedding)
     */
    public Estimate estimate(int requestBodyBytes, long maxTokens, boolean completes, ModelPrice price) {
        long prompt = requestBodyBytes / BODY_BYTES_PER_PROMPT_TOKEN + 1;
        long completion = !completes
                ? 0
                : maxTokens > 0
                        ? maxTokens
                        : price.maxOutputTokens() > 0 ? price.maxOutputTokens() : defaultCompletionTokens;
        // A prompt written to the provider's cache may cost more than the input price (Anthropic's
        // cache writes do): the worst case prices the whole prompt at the dearer of the two.
        long cacheWritten = price.cacheWritePicos() > price.inputPicos() ? prompt : 0;
        return new Estimate(
                prompt,
                completion,
                price.cost(prompt, completion, 0, cacheWritten),
                tokenRateLimitType.reserve(prompt, completion));
    }

    /** What the window counts for a finished call; the settle's side of {@link Estimate#windowTokens()}. */
    public TokenRateLimitType tokenRateLimitType() {
        return tokenRateLimitType;
    }

    /**
     * @param costNanos    worst-case cost, held against the budget
     * @param windowTokens tokens held in the TPM window
     */
    public record Estimate(long promptTokens, long completionTokens, long costNanos, long windowTokens) {}
}
