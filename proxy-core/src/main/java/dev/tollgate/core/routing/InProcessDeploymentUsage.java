package dev.tollgate.core.routing;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link DeploymentUsage} of a single instance: per deployment, the counts of its current minute
 * (an older minute is replaced by the first call of a new one).
 */
public final class InProcessDeploymentUsage implements DeploymentUsage {
    private static final CompletableFuture<Boolean> YES = CompletableFuture.completedFuture(true);
    private static final CompletableFuture<Boolean> NO = CompletableFuture.completedFuture(false);

    /** Per deployment: {window start, requests, tokens}, guarded by itself. */
    private final ConcurrentHashMap<String, long[]> windows = new ConcurrentHashMap<>();

    @Override
    public CompletionStage<Boolean> tryAcquire(
            String deploymentId, long windowStartMs, long rpmLimit, long tpmLimit, long reserveTokens) {
        return admit(deploymentId, windowStartMs, rpmLimit, tpmLimit, reserveTokens) ? YES : NO;
    }

    /** The synchronous {@link #tryAcquire}. */
    public boolean admit(String deploymentId, long windowStartMs, long rpmLimit, long tpmLimit, long reserveTokens) {
        long[] w = windows.computeIfAbsent(deploymentId, k -> new long[] {windowStartMs, 0, 0});
        synchronized (w) {
            if (w[0] < windowStartMs) {
                w[0] = windowStartMs;
                w[1] = 0;
                w[2] = 0;
            } else if (w[0] > windowStartMs) {
                return false; // a call from a minute already over: nothing left to count it in
            }
            if (rpmLimit >= 0 && w[1] + 1 > rpmLimit) {
                return false;
            }
            if (tpmLimit >= 0 && w[2] + reserveTokens > tpmLimit) {
                return false;
            }
            w[1]++;
            w[2] += reserveTokens;
            return true;
        }
    }

    @Override
    public void settle(String deploymentId, long windowStartMs, long reservedTokens, long actualTokens) {
        long[] w = windows.get(deploymentId);
        if (w == null) {
            return;
        }
        synchronized (w) {
            if (w[0] == windowStartMs) {
                w[2] = Math.max(0, w[2] - reservedTokens + actualTokens);
            }
        }
    }

    @Override
    public Counts usage(String deploymentId, long windowStartMs) {
        long[] w = windows.get(deploymentId);
        if (w == null) {
            return Counts.ZERO;
        }
        synchronized (w) {
            return w[0] == windowStartMs ? new Counts(w[1], w[2]) : Counts.ZERO;
        }
    }
}
