package dev.tollgate.bench.scenario;

import dev.tollgate.bench.gc.GcActivity;
import dev.tollgate.bench.load.LoadResult;

/**
 * One target at one point.
 *
 * @param cpuSeconds      CPU time the target's process(es) used during the whole point (0 for direct)
 * @param redisCommands   Redis commands executed during the point (Redis targets), else -1
 * @param dbTransactions  PostgreSQL transactions of the ledger database during the point, else -1
 * @param redisCpuSeconds CPU time of the bench's redis-server during the point (Redis targets), else -1
 * @param gc              heap allocation and GC pauses of the target's JVM(s) during the measurement
 *                        window (Tollgate), else null
 */
public record Measurement(
        Point point,
        String target,
        LoadResult result,
        double cpuSeconds,
        long redisCommands,
        long dbTransactions,
        double redisCpuSeconds,
        GcActivity gc) {

    /** A measurement without GC figures (a target that is no JVM of the bench's). */
    public Measurement(
            Point point,
            String target,
            LoadResult result,
            double cpuSeconds,
            long redisCommands,
            long dbTransactions,
            double redisCpuSeconds) {
        this(point, target, result, cpuSeconds, redisCommands, dbTransactions, redisCpuSeconds, null);
    }

    /** Redis CPU microseconds per answered call; NaN when not measured. */
    public double redisCpuMicrosPerCall() {
        if (redisCpuSeconds < 0 || result.completedTotal() == 0) {
            return Double.NaN;
        }
        return redisCpuSeconds * 1e6 / result.completedTotal();
    }

    /**
     * The share of one core Redis would use at the measured rate: its CPU per call times the calls
     * per second of the window (1.0: a whole core, the ceiling of a single-threaded Redis).
     */
    public double redisCoresAtMeasuredRate() {
        return redisCpuMicrosPerCall() * result.throughput() / 1e6;
    }

    /** Proxy CPU microseconds per answered call; NaN for direct. */
    public double cpuMicrosPerCall() {
        if (cpuSeconds <= 0 || result.completedTotal() == 0) {
            return Double.NaN;
        }
        return cpuSeconds * 1e6 / result.completedTotal();
    }

    /** Heap bytes allocated per call answered in the measurement window; NaN when not measured. */
    public double allocatedBytesPerCall() {
        return gc == null ? Double.NaN : gc.allocatedBytesPer(result.completedInWindow());
    }
}
