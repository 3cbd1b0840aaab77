package dev.tollgate.server.proxy;

import dev.tollgate.core.limits.AdmitDecision;
import dev.tollgate.core.limits.CustomerLimits;
import io.netty.util.AsciiString;
import java.util.function.BiConsumer;

/**
 * The customer's rate-limit headers: LiteLLM's {@code x-ratelimit-end_user-*} and OpenAI's
 * {@code x-ratelimit-{limit,remaining,reset}-{requests,tokens}}, only for limits that are set.
 */
final class RateLimitHeaders {
    // AsciiString names: their bytes and hash codes are computed once, not on every response.
    static final AsciiString END_USER_LIMIT_REQUESTS = AsciiString.cached("x-ratelimit-end_user-limit-requests");
    static final AsciiString END_USER_REMAINING_REQUESTS =
            AsciiString.cached("x-ratelimit-end_user-remaining-requests");
    static final AsciiString LIMIT_REQUESTS = AsciiString.cached("x-ratelimit-limit-requests");
    static final AsciiString REMAINING_REQUESTS = AsciiString.cached("x-ratelimit-remaining-requests");
    static final AsciiString RESET_REQUESTS = AsciiString.cached("x-ratelimit-reset-requests");
    static final AsciiString END_USER_LIMIT_TOKENS = AsciiString.cached("x-ratelimit-end_user-limit-tokens");
    static final AsciiString END_USER_REMAINING_TOKENS = AsciiString.cached("x-ratelimit-end_user-remaining-tokens");
    static final AsciiString LIMIT_TOKENS = AsciiString.cached("x-ratelimit-limit-tokens");
    static final AsciiString REMAINING_TOKENS = AsciiString.cached("x-ratelimit-remaining-tokens");
    static final AsciiString RESET_TOKENS = AsciiString.cached("x-ratelimit-reset-tokens");

    private RateLimitHeaders() {}

    static void put(BiConsumer<AsciiString, String> out, CustomerLimits limits, AdmitDecision d, long nowMs) {
        String reset = goDuration(Math.max(0, d.windowResetMs() - nowMs));
        if (limits.rpmLimit() >= 0) {
            String limit = Long.toString(limits.rpmLimit());
            String remaining = Long.toString(Math.max(0, d.remainingRequests()));
            out.accept(END_USER_LIMIT_REQUESTS, limit);
            out.accept(END_USER_REMAINING_REQUESTS, remaining);
            out.accept(LIMIT_REQUESTS, limit);
            out.accept(REMAINING_REQUESTS, remaining);
            out.accept(RESET_REQUESTS, reset);
        }
        if (limits.tpmLimit() >= 0) {
            String limit = Long.toString(limits.tpmLimit());
            String remaining = Long.toString(Math.max(0, d.remainingTokens()));
            out.accept(END_USER_LIMIT_TOKENS, limit);
            out.accept(END_USER_REMAINING_TOKENS, remaining);
            out.accept(LIMIT_TOKENS, limit);
            out.accept(REMAINING_TOKENS, remaining);
            out.accept(RESET_TOKENS, reset);
        }
    }

    /** OpenAI's reset format: Go durations such as {@code 20ms}, {@code 1s}, {@code 6m0s}. */
    static String goDuration(long ms) {
        if (ms < 1000) {
            return ms + "ms";
        }
        long s = (ms + 999) / 1000;
        if (s < 60) {
            return s + "s";
        }
        return (s / 60) + "m" + (s % 60) + "s";
    }
}
