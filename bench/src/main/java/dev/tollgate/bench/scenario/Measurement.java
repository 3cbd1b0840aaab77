package dev.tollgate.bench.scenario;

import dev.tollgate.bench.load.LoadResult;

/**
 * One target at one point.
 *
 * @param cpuSeconds      CPU time the target's process(es) used during the whole point (0 for direct)
 * @param redisCommands   Redis commands executed during the point (Redis targets), else -1
 * @param dbTransactions  PostgreSQL transactions of the ledger database during the point, else -1
 * @param redisCpuSeconds CPU time of the bench's redis-server during the point (Redis targets), else -1
 */
public record Measurement(
        Point point,
        String target,
        LoadResult result,
        double cpuSeconds,
        long redisCommands,
        long dbTransactions,
        double redisCpuSeconds) {

    /** Redis CPU microseconds per answered call; NaN when not measured. */
    public double redisCpuMicrosPerCall() {
        if (redisCpuSeconds < 0 || result.completedTotal() == 0) {
            return Double.NaN;
        }
        return redisCpuSeconds * 1e6 / result.completedTotal();
    }

    /** Proxy CPU microseconds per answered call; NaN for direct. */
    public double cpuMicrosPerCall() {
        if (cpuSeconds <= 0 || result.completedTotal() == 0) {
            return Double.NaN;
        }
        return cpuSeconds * 1e6 / result.completedTotal();
    }
}
