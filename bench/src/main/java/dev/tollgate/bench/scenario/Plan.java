package dev.tollgate.bench.scenario;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

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
    /** Large prompts: a 400 KB request (about 100,000 tokens), {@code max_tokens} 16. */
    public static final String LARGE_16 = "large-16";

    public static final String LARGE_64 = "large-64";
    public static final int LARGE_PROMPT_BYTES = 400_000;
    /** Large prompts of half the size: a 200 KB request (about 50,000 tokens). */
    public static final String LARGE50K_16 = "large50k-16";

    public static final String LARGE50K_64 = "large50k-64";
    public static final int LARGE50K_PROMPT_BYTES = 200_000;
    /** 400 KB prompts, every other request streaming. */
    public static final String LARGE_16_MIX = "large-16-mix";

    public static final String LARGE_64_MIX = "large-64-mix";
    /**
     * One hot customer (all calls from one customer with limits far above the load): one Tollgate
     * per target, and ({@link #HOT_FLEET}) three Tollgate processes on one Redis and one database.
     * Only run when named with {@code --only}: the fleet starts three more JVMs.
     */
    public static final String HOT_1X = "hot-1x";

    public static final String HOT_FLEET = "hot-3x";
    public static final int FLEET_INSTANCES = 3;
    public static final String LAT_1C = "lat-1c";
    public static final String TTFB_1C = "ttfb-1c";
    public static final String CURVE = "curve-";
    public static final int MANY_CUSTOMERS = 100_000;
    /** Steady state with a population created first (every customer known, cached and warm). */
    public static final String MAX_64_POPULATION = "max-64-1m";
    /** Every call a customer's first. */
    public static final String ONBOARD_64 = "onboard-64";
    /** Customers of the steady-state point: 1,000,000 in the full plan, fewer in the quick one. */
    public static final int POPULATION = 1_000_000;

    public static final int QUICK_POPULATION = 200_000;
    /** The {@code customers} of a point whose every call is a new customer (see {@code WrkRunner}). */
    public static final int EVERY_CALL_NEW = Integer.MAX_VALUE;

    /**
     * The plan of {@code bench/run.sh --only}: the points named, in plan order, from the full plan
     * and the points run only on request ({@link #onRequest}). All of the full plan when {@code ids}
     * is empty.
     *
     * @throws IllegalArgumentException naming the ids that are no point
     */
    public static Plan of(boolean quick, java.util.Set<String> ids) {
        Plan full = of(quick);
        if (ids.isEmpty()) {
            return full;
        }
        List<Point> all = new ArrayList<>(full.points);
        all.addAll(onRequest());
        java.util.Set<String> unknown = new java.util.TreeSet<>(ids);
        all.forEach(x -> unknown.remove(x.id()));
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("no such point: " + String.join(", ", unknown) + "; points: "
                    + String.join(", ", all.stream().map(Point::id).toList()));
        }
        return new Plan(
                quick,
                full.warmup,
                full.window,
                full.targetWarmup,
                full.soakStreams,
                full.soakWindow,
                full.latencyRounds,
                all.stream().filter(x -> ids.contains(x.id())).toList());
    }

    /** Points outside the full plan, run only when named. */
    static List<Point> onRequest() {
        Point hot = new Point(
                HOT_1X,
                "max throughput, JSON, 0 ms upstream, 64 connections, one customer (limits far above the load)",
                Upstream.FAST,
                false,
                64,
                1,
                0,
                true);
        Point fleet = new Point(
                        HOT_FLEET,
                        "max throughput, JSON, 0 ms upstream, 64 connections split over " + FLEET_INSTANCES
                                + " Tollgate instances on one Redis and one database (one wrk each), one customer",
                        Upstream.FAST,
                        false,
                        64,
                        1,
                        0,
                        true)
                .onFleet(FLEET_INSTANCES);
        return List.of(hot, fleet);
    }

    /** The plan with the steady-state point's population set to {@code customers} (for short checks). */
    public Plan withPopulation(int customers) {
        return new Plan(
                quick,
                warmup,
                window,
                targetWarmup,
                soakStreams,
                soakWindow,
                latencyRounds,
                points.stream()
                        .map(x -> x.id().equals(MAX_64_POPULATION)
                                ? new Point(
                                        x.id(),
                                        x.title()
                                                .replaceFirst(
                                                        "[0-9,]+ known",
                                                        String.format(java.util.Locale.ROOT, "%,d known", customers)),
                                        x.upstream(),
                                        x.stream(),
                                        x.connections(),
                                        customers,
                                        x.rate(),
                                        x.tollgateOnly(),
                                        x.promptBytes(),
                                        x.halfStreaming(),
                                        x.instances())
                                : x)
                        .toList());
    }

    /** A large-prompt point: JSON, {@code max_tokens} 16, 10 customers; the title follows {@link Point#withHalfStreaming()}. */
    private static Point largePrompt(String id, int bytes, int connections) {
        return new Point(
                id,
                String.format(
                        Locale.ROOT,
                        "max throughput, JSON, %d KB prompt (~%dK tokens), max_tokens 16, 0 ms upstream, %d connections",
                        bytes / 1000,
                        bytes / 4000,
                        connections),
                Upstream.FAST,
                false,
                connections,
                10,
                0,
                false,
                bytes);
    }

    /** The full plan (every point but those {@link #onRequest}). */
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
        for (int connections : new int[] {16, 64}) {
            p.add(largePrompt(connections == 16 ? LARGE_16 : LARGE_64, LARGE_PROMPT_BYTES, connections));
        }
        for (int connections : new int[] {16, 64}) {
            p.add(largePrompt(connections == 16 ? LARGE50K_16 : LARGE50K_64, LARGE50K_PROMPT_BYTES, connections));
        }
        for (int connections : new int[] {16, 64}) {
            // A chat client's mix: the same 400 KB prompts, half of them answered as a stream.
            p.add(largePrompt(connections == 16 ? LARGE_16_MIX : LARGE_64_MIX, LARGE_PROMPT_BYTES, connections)
                    .withHalfStreaming());
        }
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
        // After everything else: the onboarding point creates customers, and the steady-state point
        // first creates its whole population, waits for it to be flushed, and warms it up.
        p.add(new Point(
                ONBOARD_64,
                "max throughput, JSON, 64 connections, every call a new customer (new customers/s)",
                Upstream.FAST,
                false,
                64,
                EVERY_CALL_NEW,
                0,
                true));
        int population = quick ? QUICK_POPULATION : POPULATION;
        p.add(new Point(
                MAX_64_POPULATION,
                String.format(
                        java.util.Locale.ROOT,
                        "max throughput, JSON, 64 connections, %,d known customers (created, flushed and warmed first)",
                        population),
                Upstream.FAST,
                false,
                64,
                population,
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
