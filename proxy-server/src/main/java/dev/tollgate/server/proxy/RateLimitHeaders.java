package dev.tollgate.server.proxy;

import dev.tollgate.core.limits.AdmitDecision;
import dev.tollgate.core.limits.CustomerLimits;
import java.util.Map;

/**
 * The customer's rate-limit headers: LiteLLM's {@code x-ratelimit-end_user-*} and OpenAI's
 * {@code x-ratelimit-{limit,remaining,reset}-{requests,tokens}}, only for limits that are set.
 */
final class RateLimitHeaders {
    private RateLimitHeaders() {
    }

    static void put(Map<String, String> out, CustomerLimits limits, AdmitDecision d, long nowMs) {
        String reset = goDuration(Math.max(0, d.windowResetMs() - nowMs));
        if (limits.rpmLimit() >= 0) {
            String limit = Long.toString(limits.rpmLimit());
            String remaining = Long.toString(Math.max(0, d.remainingRequests()));
            out.put("x-ratelimit-end_user-limit-requests", limit);
            out.put("x-ratelimit-end_user-remaining-requests", remaining);
            out.put("x-ratelimit-limit-requests", limit);
            out.put("x-ratelimit-remaining-requests", remaining);
            out.put("x-ratelimit-reset-requests", reset);
        }
        if (limits.tpmLimit() >= 0) {
            String limit = Long.toString(limits.tpmLimit());
            String remaining = Long.toString(Math.max(0, d.remainingTokens()));
            out.put("x-ratelimit-end_user-limit-tokens", limit);
            out.put("x-ratelimit-end_user-remaining-tokens", remaining);
            out.put("x-ratelimit-limit-tokens", limit);
            out.put("x-ratelimit-remaining-tokens", remaining);
            out.put("x-ratelimit-reset-tokens", reset);
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
