package dev.tollgate.core.routing;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * This instance's view of which deployments are cooling down until when, and how many cooldowns
 * each has had. The in-process {@link Cooldowns} counts failures itself; the Redis one counts them
 * in Redis and fills this board from its own findings and the fleet's messages.
 */
public final class CooldownBoard {
    private final ConcurrentHashMap<String, Long> until = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, AtomicLong> started = new ConcurrentHashMap<>();

    /**
     * Cools the deployment down until {@code untilMs}; a later end already known is kept. Counts a
     * cooldown started only when the deployment was not cooling down (the fleet's echo of a cooldown
     * this instance started extends it, it does not start another).
     */
    public void coolUntil(String deploymentId, long untilMs, long nowMs) {
        Long before = until.get(deploymentId);
        if (before != null && before >= untilMs) {
            return;
        }
        until.merge(deploymentId, untilMs, Math::max);
        if (before == null || before <= nowMs) {
            started.computeIfAbsent(deploymentId, k -> new AtomicLong()).incrementAndGet();
        }
    }

    public boolean coolingDown(String deploymentId, long nowMs) {
        if (until.isEmpty()) {
            return false; // the common case: one read, no hashing
        }
        Long end = until.get(deploymentId);
        return end != null && end > nowMs;
    }

    public long remainingMs(String deploymentId, long nowMs) {
        Long end = until.get(deploymentId);
        return end == null ? 0 : Math.max(0, end - nowMs);
    }

    public long started(String deploymentId) {
        AtomicLong n = started.get(deploymentId);
        return n == null ? 0 : n.get();
    }
}
