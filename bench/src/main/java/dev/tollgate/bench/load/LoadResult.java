package dev.tollgate.bench.load;

import org.HdrHistogram.Histogram;

/**
 * What one load point measured. Latencies in microseconds (see {@link LatencyRecorder}).
 *
 * @param completedInWindow answers completed during the measurement window (any status)
 * @param completedTotal    answers completed during the whole run, warm-up included (for CPU per call)
 * @param maxInFlight       most requests in flight at once
 */
public record LoadResult(
        LoadSpec spec,
        LatencyRecorder recorder,
        long completedInWindow,
        long completedTotal,
        double windowSeconds,
        int maxInFlight) {

    /** Answers per second during the measurement window. */
    public double throughput() {
        return completedInWindow / windowSeconds;
    }

    public Histogram latency() {
        return recorder.latency();
    }

    public Histogram firstByte() {
        return recorder.firstByte();
    }

    /** Latency percentile in milliseconds, NaN when nothing was recorded. */
    public double latencyMs(double percentile) {
        return ms(recorder.latency(), percentile);
    }

    public double firstByteMs(double percentile) {
        return ms(recorder.firstByte(), percentile);
    }

    public long errors() {
        return recorder.errors() + recorder.timeouts();
    }

    static double ms(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(percentile) / 1000.0;
    }
}
