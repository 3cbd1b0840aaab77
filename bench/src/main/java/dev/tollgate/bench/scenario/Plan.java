package dev.tollgate.bench.scenario;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The points of a run and their timing: full (~15 min on 2 cores) or quick (~3 min). */
public record Plan(
        boolean quick,
        Duration warmup,
        Duration window,
        Duration targetWarmup,
        int soakStreams,
        Duration soakWindow,
        int latencyRounds,
        List<Point> points) {

    public static final String MAX_64 = "max-64";
    public static final String MAX_512 = "max-512";
    public static final String MAX_64_100K = "max-64-100k";
    public static final String MAX_64_STREAM = "max-64-stream";
    public static final String LAT_1C = "lat-1c";
    public static final String TTFB_1C = "ttfb-1c";
    public static final String CURVE = "curve-";
    public static final int MANY_CUSTOMERS = 100_000;

    public static Plan of(boolean quick) {
        List<Point> p = new ArrayList<>();
        p.add(new Point(
                MAX_64,
                "max throughput, JSON, 0 ms upstream, 64 connections, 10 customers",
                Upstream.FAST,
                false,
                64,
                10,
                0,
                false));
        p.add(new Point(
                MAX_512,
                "max throughput, JSON, 0 ms upstream, 512 connections, 10 customers",
                Upstream.FAST,
                false,
                512,
                10,
                0,
                false));
        p.add(new Point(
                MAX_64_STREAM,
                "max throughput, streaming (20 chunks), 0 ms upstream, 64 connections",
                Upstream.FAST,
                true,
                64,
                10,
                0,
                false));
        p.add(new Point(
                LAT_1C, "fixed 200 req/s, JSON, 0 ms upstream, 1 connection", Upstream.FAST, false, 1, 10, 200, false));
        p.add(new Point(
                TTFB_1C,
                "fixed 100 req/s, streaming, 0 ms upstream, 1 connection",
                Upstream.FAST,
                true,
                1,
                10,
                100,
                false));
        int[] rates = quick ? new int[] {500, 1500, 2500} : new int[] {250, 500, 1000, 1500, 2000, 2500};
        for (int r : rates) {
            p.add(new Point(
                    CURVE + r,
                    "fixed " + r + " req/s, JSON, 20 ms upstream, 64 connections",
                    Upstream.SLOW,
                    false,
                    64,
                    10,
                    r,
                    false));
        }
        // Last: 100,000 new customers leave the Redis + PostgreSQL target flushing their spend for a
        // while afterwards, which would weigh on the points after it.
        p.add(new Point(
                MAX_64_100K,
                "max throughput, JSON, 0 ms upstream, 64 connections, 100,000 customers",
                Upstream.FAST,
                false,
                64,
                MANY_CUSTOMERS,
                0,
                true));
        if (quick) {
            return new Plan(
                    true,
                    Duration.ofSeconds(1),
                    Duration.ofSeconds(3),
                    Duration.ofSeconds(12),
                    2000,
                    Duration.ofSeconds(6),
                    2,
                    p);
        }
        return new Plan(
                false,
                Duration.ofSeconds(2),
                Duration.ofSeconds(8),
                Duration.ofSeconds(30),
                5000,
                Duration.ofSeconds(12),
                4,
                p);
    }
}
