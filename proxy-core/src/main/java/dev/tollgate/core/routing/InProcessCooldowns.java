package dev.tollgate.core.routing;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link Cooldowns} of a single instance: failures counted per deployment in fixed one-minute
 * windows; the failure that exceeds {@code allowed_fails} in its window starts the cooldown.
 */
public final class InProcessCooldowns implements Cooldowns {
    static final long WINDOW_MS = 60_000;

    private final int allowedFails;
    private final long cooldownMs;
    private final CooldownBoard board = new CooldownBoard();
    private final ConcurrentHashMap<String, long[]> fails = new ConcurrentHashMap<>();

    public InProcessCooldowns(int allowedFails, Duration cooldownTime) {
        this.allowedFails = allowedFails;
        this.cooldownMs = cooldownTime.toMillis();
    }

    @Override
    public boolean coolingDown(String deploymentId, long nowMs) {
        return board.coolingDown(deploymentId, nowMs);
    }

    @Override
    public void failed(String deploymentId, long nowMs) {
        long window = nowMs / WINDOW_MS;
        long count;
        long[] w = fails.computeIfAbsent(deploymentId, k -> new long[2]);
        synchronized (w) {
            if (w[0] != window) {
                w[0] = window;
                w[1] = 0;
            }
            count = ++w[1];
        }
        if (count > allowedFails) {
            board.coolUntil(deploymentId, nowMs + cooldownMs, nowMs);
        }
    }

    @Override
    public long remainingMs(String deploymentId, long nowMs) {
        return board.remainingMs(deploymentId, nowMs);
    }

    @Override
    public long cooldownsStarted(String deploymentId) {
        return board.started(deploymentId);
    }
}
