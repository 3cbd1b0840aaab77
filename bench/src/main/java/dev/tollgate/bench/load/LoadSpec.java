package dev.tollgate.bench.load;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * One load point: where to send, what, over how many connections, at which rate, for how long.
 *
 * @param host          target host (127.0.0.1)
 * @param port          target port
 * @param path          request path, e.g. {@code /v1/chat/completions}
 * @param headers       extra request headers (e.g. Authorization)
 * @param model         the {@code model} field of every body
 * @param stream        {@code "stream": true} bodies; first-byte times are then recorded
 * @param customers     distinct {@code user} ids cycled round-robin ({@code cust-0} ...)
 * @param connections   keep-alive connections, each with at most one request in flight
 * @param ratePerSecond open-loop arrival rate over all connections; 0 = max throughput (closed loop:
 *                      each connection sends again as soon as its answer is complete)
 * @param warmup        time run but not recorded
 * @param duration      measurement window
 * @param drainTimeout  how long to wait for answers after the window before counting timeouts
 * @param promptBytes   0: the small default body; else a large prompt of about this many bytes
 *                      ({@link RequestTemplates#body(String, String, boolean, int)})
 * @param halfStreaming every other request has {@code "stream": true} ({@code stream} is then false);
 *                      only {@link WrkRunner} sends such a mix
 */
public record LoadSpec(
        String host,
        int port,
        String path,
        Map<String, String> headers,
        String model,
        boolean stream,
        int customers,
        int connections,
        double ratePerSecond,
        Duration warmup,
        Duration duration,
        Duration drainTimeout,
        int promptBytes,
        boolean halfStreaming) {

    /** A spec whose requests are all alike (all streaming or none). */
    public LoadSpec(
            String host,
            int port,
            String path,
            Map<String, String> headers,
            String model,
            boolean stream,
            int customers,
            int connections,
            double ratePerSecond,
            Duration warmup,
            Duration duration,
            Duration drainTimeout,
            int promptBytes) {
        this(
                host,
                port,
                path,
                headers,
                model,
                stream,
                customers,
                connections,
                ratePerSecond,
                warmup,
                duration,
                drainTimeout,
                promptBytes,
                false);
    }

    /** A spec with the small default body. */
    public LoadSpec(
            String host,
            int port,
            String path,
            Map<String, String> headers,
            String model,
            boolean stream,
            int customers,
            int connections,
            double ratePerSecond,
            Duration warmup,
            Duration duration,
            Duration drainTimeout) {
        this(
                host,
                port,
                path,
                headers,
                model,
                stream,
                customers,
                connections,
                ratePerSecond,
                warmup,
                duration,
                drainTimeout,
                0);
    }

    public LoadSpec {
        Objects.requireNonNull(host);
        Objects.requireNonNull(path);
        headers = Map.copyOf(headers);
        Objects.requireNonNull(model);
        if (customers < 1 || connections < 1 || ratePerSecond < 0 || promptBytes < 0) {
            throw new IllegalArgumentException("customers and connections must be >= 1 and rate >= 0");
        }
        if (halfStreaming && stream) {
            throw new IllegalArgumentException("half streaming already says which requests stream");
        }
    }

    public boolean maxThroughput() {
        return ratePerSecond == 0;
    }

    public LoadSpec withRate(double rate) {
        return new LoadSpec(
                host,
                port,
                path,
                headers,
                model,
                stream,
                customers,
                connections,
                rate,
                warmup,
                duration,
                drainTimeout,
                promptBytes,
                halfStreaming);
    }

    public LoadSpec withTiming(Duration warmup, Duration duration) {
        return new LoadSpec(
                host,
                port,
                path,
                headers,
                model,
                stream,
                customers,
                connections,
                ratePerSecond,
                warmup,
                duration,
                drainTimeout,
                promptBytes,
                halfStreaming);
    }

    /** The same load over {@code n} connections (a fleet's share of a point). */
    public LoadSpec withConnections(int n) {
        return new LoadSpec(
                host,
                port,
                path,
                headers,
                model,
                stream,
                customers,
                n,
                ratePerSecond,
                warmup,
                duration,
                drainTimeout,
                promptBytes,
                halfStreaming);
    }
}
