package dev.tollgate.core.routing;

/**
 * Which deployments are cooling down: a deployment that failed more than {@code allowed_fails}
 * times within a minute is skipped for {@code cooldown_time}. {@link #coolingDown} is what every
 * call asks, so it is a local lookup in every implementation; {@link #failed} runs only when an
 * attempt failed, and may talk to the fleet. Thread-safe.
 */
public interface Cooldowns extends AutoCloseable {
    /** Whether calls should skip the deployment now. Never blocks. */
    boolean coolingDown(String deploymentId, long nowMs);

    /** Counts a failure of the deployment that blames it; may start its cooldown. Never blocks. */
    void failed(String deploymentId, long nowMs);

    /** Milliseconds of cooldown left, 0 when the deployment is not cooling down. */
    long remainingMs(String deploymentId, long nowMs);

    /** Cooldowns started for the deployment, by this instance or (with Redis) any instance of the fleet. */
    long cooldownsStarted(String deploymentId);

    @Override
    default void close() {}

    /** Cooldowns switched off ({@code disable_cooldowns}): nothing is ever skipped. */
    Cooldowns NONE = new Cooldowns() {
        @Override
        public boolean coolingDown(String deploymentId, long nowMs) {
            return false;
        }

        @Override
        public void failed(String deploymentId, long nowMs) {}

        @Override
        public long remainingMs(String deploymentId, long nowMs) {
            return 0;
        }

        @Override
        public long cooldownsStarted(String deploymentId) {
            return 0;
        }
    };
}
