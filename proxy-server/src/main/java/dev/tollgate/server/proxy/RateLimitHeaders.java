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

    private static final AsciiString[] REQUEST_NAMES = {
        END_USER_LIMIT_REQUESTS, END_USER_REMAINING_REQUESTS, LIMIT_REQUESTS, REMAINING_REQUESTS, RESET_REQUESTS
    };
    private static final AsciiString[] TOKEN_NAMES = {
        END_USER_LIMIT_TOKENS, END_USER_REMAINING_TOKENS, LIMIT_TOKENS, REMAINING_TOKENS, RESET_TOKENS
    };

    private RateLimitHeaders() {}

    static void put(BiConsumer<AsciiString, String> out, CustomerLimits limits, AdmitDecision d, long nowMs) {
        String reset = goDuration(Math.max(0, d.windowResetMs() - nowMs));
        if (limits.rpmLimit() >= 0) {
            put(out, limits.rpmLimit(), d.remainingRequests(), reset, REQUEST_NAMES);
        }
        if (limits.tpmLimit() >= 0) {
            put(out, limits.tpmLimit(), d.remainingTokens(), reset, TOKEN_NAMES);
        }
    }

    /** One limit's five headers; {@code names}: end-user limit and remaining, then OpenAI's limit, remaining, reset. */
    private static void put(
            BiConsumer<AsciiString, String> out, long limit, long remaining, String reset, AsciiString[] names) {
        String limitText = Long.toString(limit);
        String remainingText = Long.toString(Math.max(0, remaining));
        out.accept(names[0], limitText);
        out.accept(names[1], remainingText);
        out.accept(names[2], limitText);
        out.accept(names[3], remainingText);
        out.accept(names[4], reset);
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
