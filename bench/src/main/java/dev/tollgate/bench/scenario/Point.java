package dev.tollgate.bench.scenario;

import java.util.Locale;

/**
 * One load point of the plan, run against every target.
 *
 * @param id            short id used in the report and the CSV
 * @param title         what the point shows
 * @param upstream      which fake upstream answers
 * @param stream        SSE streaming requests
 * @param connections   client connections
 * @param customers     distinct customer ids
 * @param rate          requests per second (open loop), 0 = max throughput
 * @param tollgateOnly  only meaningful for Tollgate (e.g. many customers): skipped for direct and nginx
 * @param promptBytes   0: the small default body; else a large prompt of about this many bytes
 */
public record Point(
        String id,
        String title,
        Upstream upstream,
        boolean stream,
        int connections,
        int customers,
        double rate,
        boolean tollgateOnly,
        int promptBytes) {

    /** A point with the small default body. */
    public Point(
            String id,
            String title,
            Upstream upstream,
            boolean stream,
            int connections,
            int customers,
            double rate,
            boolean tollgateOnly) {
        this(id, title, upstream, stream, connections, customers, rate, tollgateOnly, 0);
    }

    public boolean max() {
        return rate == 0;
    }

    public String load() {
        return max() ? "max" : String.format(Locale.ROOT, "%.0f/s", rate);
    }
}
