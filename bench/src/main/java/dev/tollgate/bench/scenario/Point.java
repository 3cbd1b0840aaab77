package dev.tollgate.bench.scenario;

import dev.tollgate.bench.load.RequestTemplates;
import java.nio.charset.StandardCharsets;
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
 * @param halfStreaming every other request has {@code "stream": true} (needs wrk); {@code stream} is then false
 * @param instances     1: run against every target; more: only against a fleet of that many Tollgate
 *                      instances on one Redis and one database ({@link Fleet}), the connections split
 *                      between them
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
        int promptBytes,
        boolean halfStreaming,
        int instances) {

    public Point {
        if (halfStreaming && stream) {
            throw new IllegalArgumentException(id + ": half streaming already says which requests stream");
        }
        if (instances < 1) {
            throw new IllegalArgumentException(id + ": at least one instance");
        }
    }

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

    /** A point where every request is alike (all streaming or none), against every target. */
    public Point(
            String id,
            String title,
            Upstream upstream,
            boolean stream,
            int connections,
            int customers,
            double rate,
            boolean tollgateOnly,
            int promptBytes) {
        this(id, title, upstream, stream, connections, customers, rate, tollgateOnly, promptBytes, false, 1);
    }

    /** The same point with every other request streaming. */
    public Point withHalfStreaming() {
        return new Point(
                id,
                title.replace("JSON, ", "half JSON, half streaming (every other request), "),
                upstream,
                false,
                connections,
                customers,
                rate,
                tollgateOnly,
                promptBytes,
                true,
                instances);
    }

    /** The same point against a fleet of {@code n} Tollgate instances only. */
    public Point onFleet(int n) {
        return new Point(
                id, title, upstream, stream, connections, customers, rate, true, promptBytes, halfStreaming, n);
    }

    public boolean fleet() {
        return instances > 1;
    }

    public boolean max() {
        return rate == 0;
    }

    public String load() {
        return max() ? "max" : String.format(Locale.ROOT, "%.0f/s", rate);
    }

    /** Bytes of one request body of this point (a JSON body; a streaming one has 14 more). */
    public int bodyBytes() {
        return RequestTemplates.body("fast", "cust-0", false, promptBytes).getBytes(StandardCharsets.UTF_8).length;
    }
}
