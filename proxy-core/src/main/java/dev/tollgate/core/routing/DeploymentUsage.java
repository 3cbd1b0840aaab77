package dev.tollgate.core.routing;

import java.util.concurrent.CompletionStage;

/**
 * Requests and tokens each deployment served in the current minute, for
 * {@code routing_strategy: usage-based-routing-v2}: a call takes a place with {@link #tryAcquire}
 * (refused when the deployment's {@code rpm} or {@code tpm} would be exceeded), then
 * {@link #settle}s its reserved tokens to the real count. {@link #usage} is what routing orders
 * deployments by: a local lookup in every implementation. Thread-safe.
 */
public interface DeploymentUsage extends AutoCloseable {
    /** The window length: LiteLLM counts deployment rpm/tpm per clock minute. */
    long WINDOW_MS = 60_000;

    /** What a deployment served in a window: requests, and tokens (reserved, or settled). */
    record Counts(long requests, long tokens) {
        public static final Counts ZERO = new Counts(0, 0);
    }

    /** The start of the minute window holding {@code nowMs}. */
    static long windowStart(long nowMs) {
        return nowMs - Math.floorMod(nowMs, WINDOW_MS);
    }

    /**
     * Counts one request and {@code reserveTokens} for the deployment in the window when that keeps
     * it within {@code rpmLimit} requests and {@code tpmLimit} tokens (a negative limit is no limit);
     * otherwise counts nothing. Completes with whether it was counted; never blocks.
     */
    CompletionStage<Boolean> tryAcquire(
            String deploymentId, long windowStartMs, long rpmLimit, long tpmLimit, long reserveTokens);

    /** Replaces a reservation by the tokens the call really used (the count never goes below zero). */
    void settle(String deploymentId, long windowStartMs, long reservedTokens, long actualTokens);

    /** The deployment's counts in the window as this instance last saw them. */
    Counts usage(String deploymentId, long windowStartMs);

    @Override
    default void close() {}
}
