package dev.tollgate.server.metrics;

import java.time.Duration;

/**
 * The one explicit bucket set of every latency histogram: 35 bounds plus {@code +Inf}. Micrometer's
 * percentile histogram spreads 85 buckets over the same range, which made histograms 90% of a
 * scrape. The bounds follow LiteLLM's (0.5 s steps up to 10 s, then coarser up to 5 minutes) with
 * a finer start below 5 ms, where the proxy's own overhead lives.
 */
final class LatencyBuckets {
    private LatencyBuckets() {}

    static final double[] SECONDS = {
        0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4,
        4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 60, 120, 180, 240, 300
    };

    static Duration[] durations() {
        Duration[] d = new Duration[SECONDS.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = Duration.ofNanos(Math.round(SECONDS[i] * 1e9));
        }
        return d;
    }
}
