package dev.tollgate.bench.scenario;

import dev.tollgate.bench.gc.GcActivity;
import dev.tollgate.bench.gc.GcLog;
import dev.tollgate.bench.load.LatencyRecorder;
import dev.tollgate.bench.load.LoadGenerator;
import dev.tollgate.bench.load.LoadResult;
import dev.tollgate.bench.load.LoadSpec;
import dev.tollgate.bench.load.RequestTemplates;
import dev.tollgate.bench.load.WrkRunner;
import dev.tollgate.bench.report.BenchReport;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The whole comparison in one invocation (see {@code bench/run.sh}): starts the fake upstreams,
 * nginx, Tollgate (embedded) and Tollgate (Redis + PostgreSQL), runs every {@link Point} against
 * each target back to back (so ratios compare numbers taken under the same background noise),
 * runs the concurrency soak, stops everything and writes the report.
 *
 * <p>{@code --jar PATH} the Tollgate jar; {@code --out DIR} where the report goes; {@code --quick}
 * the ~3 minute plan; {@code --command TEXT} the command line shown in the report.
 */
public final class BenchMain {
    /** Port of the bench's own redis-server. */
    private static volatile int redisPort;

    /** The fleet settings of {@code --fold-and-lease}: settles folded per 10 ms, slices of 500 ms of traffic. */
    private static final String FOLD_AND_LEASE = "  settle_batch_ms: 10\n  lease_slice_ms: 500\n";

    private BenchMain() {}

    public static void main(String[] args) throws Exception {
        Path jar = Path.of("proxy-server/target/tollgate.jar");
        Path out = Path.of("bench/results");
        boolean quick = false;
        java.util.Set<String> only = new java.util.LinkedHashSet<>();
        int population = 0;
        String command = "bench/run.sh";
        boolean foldAndLease = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--jar" -> jar = Path.of(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                case "--quick" -> quick = true;
                case "--command" -> command = args[++i];
                case "--only" -> only.addAll(List.of(args[++i].split(",")));
                case "--population" -> population = Integer.parseInt(args[++i]);
                case "--fold-and-lease" -> foldAndLease = true;
                default -> {
                    System.err.println(
                            "usage: BenchMain [--jar PATH] [--out DIR] [--quick] [--only POINT,...] [--population N] [--fold-and-lease] [--command TEXT]");
                    System.exit(2);
                }
            }
        }
        Plan plan;
        try {
            plan = Plan.of(quick, only);
        } catch (IllegalArgumentException e) {
            System.err.println("bench: " + e.getMessage());
            System.exit(2);
            return;
        }
        if (population > 0) {
            plan = plan.withPopulation(population);
        }
        Instant started = Instant.now();
        Path work = Files.createTempDirectory("tollgate-bench-");
        String runId = Long.toString(System.currentTimeMillis(), 36);
        Launcher launcher = new Launcher(work);
        String wrkBinary = Launcher.which("wrk");
        wrk = wrkBinary == null ? null : new WrkRunner(wrkBinary, work);
        List<String> notes = new ArrayList<>();
        if (foldAndLease) {
            launcher.redisPgSettings = FOLD_AND_LEASE;
            notes.add("tollgate-redis-pg ran with folded settles and leased quota (`"
                    + FOLD_AND_LEASE.strip().replace("\n  ", ", ") + "`); both are off by default.");
        }
        if (plan.points().stream().anyMatch(x -> x.id().equals(Plan.MAX_64_POPULATION))) {
            // A million customers' accounts and cached policies take about 530 MB in the embedded target.
            launcher.tollgateHeap = "1g";
        }
        notes.add("Tollgate heap: -Xms" + launcher.tollgateHeap + " -Xmx" + launcher.tollgateHeap + " (G1).");
        List<Target> targets = new ArrayList<>();
        List<Measurement> results = new ArrayList<>();
        List<Soak> soaks = new ArrayList<>();
        Map<Upstream, Integer> upstreamPorts = new EnumMap<>(Upstream.class);
        ChildProcess upstream = null;
        ChildProcess redis = null;
        Fleet fleet = null;
        boolean pgCreated = false;
        // Start only what the points measure: a run of fleet points alone needs neither nginx nor the
        // single Tollgates (direct costs nothing and warms the upstream).
        boolean forEveryTarget = plan.points().stream().anyMatch(x -> !x.fleet() && !x.tollgateOnly());
        boolean forSingleTollgates = plan.points().stream().anyMatch(x -> !x.fleet());
        int fleetSize = plan.points().stream().mapToInt(Point::instances).max().orElse(1);
        try (LoadGenerator gen = new LoadGenerator(2)) {
            upstream = launcher.upstreams(upstreamPorts);
            log("upstreams on " + upstreamPorts + ", load generator on " + gen.transport());
            targets.add(launcher.direct(upstreamPorts));
            StringBuilder why = new StringBuilder();
            Target nginx = forEveryTarget ? launcher.nginx(upstreamPorts, why) : null;
            if (nginx != null) {
                targets.add(nginx);
            } else if (forEveryTarget) {
                notes.add(why.toString());
                log(why.toString());
            }
            if (forSingleTollgates) {
                targets.add(launcher.tollgate("tollgate-embedded", jar, upstreamPorts, false, runId));
            }
            boolean pgUp = Launcher.sh("pg_isready -h 127.0.0.1 -p 5432") == 0;
            redis = pgUp ? launcher.redis() : null;
            if (redis != null) {
                redisPort = launcher.redisPort();
                Launcher.sh("psql -h 127.0.0.1 -U postgres -qc 'DROP DATABASE IF EXISTS tollgate_bench' "
                        + "&& psql -h 127.0.0.1 -U postgres -qc 'CREATE DATABASE tollgate_bench'");
                pgCreated = true;
                try {
                    if (forSingleTollgates) {
                        targets.add(launcher.tollgate("tollgate-redis-pg", jar, upstreamPorts, true, runId));
                    }
                } catch (IOException e) {
                    String n = "tollgate-redis-pg did not start in 5 attempts ("
                            + e.getMessage().lines().skip(1).findFirst().orElse("") + "); that target was skipped.";
                    notes.add(n);
                    log(n);
                }
                if (fleetSize > 1) {
                    String name = "tollgate-redis-pg-x" + fleetSize;
                    try {
                        fleet = Fleet.start(launcher, name, fleetSize, jar, upstreamPorts, runId);
                        notes.add(
                                name + ": " + fleetSize + " Tollgate processes on the same redis-server, the same"
                                        + " PostgreSQL database and the same key prefix (as a fleet is deployed; the single"
                                        + " tollgate-redis-pg, when started, shares them too and stays idle during fleet points),"
                                        + " each on its own port with -Xms" + launcher.tollgateHeap + " -Xmx"
                                        + launcher.tollgateHeap
                                        + "; a fleet point runs one wrk per instance, started together,"
                                        + " with the connections split between them; CPU per call is the sum of the instances'.");
                    } catch (IOException e) {
                        String n = name + " did not start ("
                                + e.getMessage().lines().findFirst().orElse("") + "); the fleet points were skipped.";
                        notes.add(n);
                        log(n);
                    }
                }
            } else {
                String n =
                        "tollgate-redis-pg needs redis-server installed (the bench starts its own on a free port) and PostgreSQL"
                                + " on 127.0.0.1:5432 with trust auth (`.ci/run` shows how to start it); that target was skipped.";
                notes.add(n);
                log(n);
            }
            for (Target t : targets) {
                checkTarget(t, notes);
            }
            notes.add(
                    wrk != null
                            ? "Max-throughput points were driven by wrk (Debian, one thread, closed loop), which leaves more of the"
                                    + " shared cores to the targets than the JVM generator; fixed-rate points by the open-loop Java generator. TTFB at"
                                    + " max throughput is not measured by wrk."
                            : "wrk is not installed: max-throughput points were driven by the Java generator, which takes a large share of the"
                                    + " shared cores (apt-get install -y wrk).");
            // Warm the JITs of every process (not recorded).
            for (Target t : targets) {
                warm(gen, t, plan);
            }
            if (fleet != null) {
                for (Target t : fleet.instances()) {
                    warm(gen, t, plan);
                }
            }
            for (Point p : plan.points()) {
                if (p.fleet()) {
                    if (fleet == null || wrk == null) {
                        notes.add(p.id() + " needs redis-server, PostgreSQL and wrk; skipped.");
                        continue;
                    }
                    Measurement m = FleetRun.measure(fleet, p, plan.warmup(), plan.window(), wrk);
                    results.add(m);
                    logResult(m);
                    continue;
                }
                if (p.halfStreaming() && wrk == null) {
                    notes.add(p.id()
                            + " needs wrk to mix JSON and streaming requests (apt-get install -y wrk); skipped.");
                    continue;
                }
                // 1-connection latency points are the most sensitive to background noise: they run in
                // rounds that alternate between the targets, and each target's rounds are merged.
                int rounds = p.connections() == 1 ? plan.latencyRounds() : 1;
                Map<String, Measurement> merged = new LinkedHashMap<>();
                for (int round = 0; round < rounds; round++) {
                    for (Target t : targets) {
                        if (p.tollgateOnly() && t.kind() != Target.Kind.TOLLGATE) {
                            continue;
                        }
                        if ((p.id().equals(Plan.MAX_64_POPULATION) || p.id().equals(Plan.ONBOARD_64)) && wrk == null) {
                            // The Java generator prepares one body per customer; these points need wrk.
                            notes.add(p.id() + " needs wrk (apt-get install -y wrk); skipped.");
                            continue;
                        }
                        Measurement m;
                        if (p.id().equals(Plan.MAX_64_POPULATION)) {
                            m = Population.measure(t, p, plan, results, notes, redisPort);
                        } else {
                            m = measure(gen, t, p, plan.warmup(), plan.window().dividedBy(rounds));
                        }
                        if (p.id().equals(Plan.ONBOARD_64)) {
                            notes.add(String.format(
                                    Locale.ROOT,
                                    "%s: %,.0f new customers per second (every call of %s a customer's first).",
                                    t.name(),
                                    m.result().throughput(),
                                    Plan.ONBOARD_64));
                        }
                        merged.merge(t.name(), m, BenchMain::combine);
                    }
                }
                for (Measurement m : merged.values()) {
                    results.add(m);
                    logResult(m);
                }
            }
            for (Target t : targets) {
                if (t.kind() == Target.Kind.TOLLGATE) {
                    soaks.add(soak(gen, t, plan));
                }
            }
        } finally {
            for (Target t : targets) {
                t.close();
            }
            if (upstream != null) {
                upstream.close();
            }
            if (fleet != null) {
                fleet.close();
            }
            if (redis != null) {
                redis.close();
            }
            if (pgCreated) {
                Launcher.sh("psql -h 127.0.0.1 -U postgres -qc 'DROP DATABASE IF EXISTS tollgate_bench'");
            }
        }
        Duration took = Duration.between(started, Instant.now());
        Files.createDirectories(out);
        notes.add("Allocation and GC pauses (Tollgate targets): each Tollgate JVM runs with -Xlog:gc (one line per"
                + " stop-the-world pause: heap before and after, duration). Over each point's measured window (after"
                + " the warm-up), the pauses are the lines written in the window (count, sum, longest: exact), and the"
                + " heap allocated is heap in use at the end - at the start (from /metrics) + what each pause freed,"
                + " since between pauses the heap only grows by allocation; divided by the calls answered in the window."
                + " It counts all heap allocation, humongous arrays included, to within 1 MB per collection (the log's"
                + " unit); Netty's pooled direct buffers are not heap and not counted. Micrometer's"
                + " jvm_gc_memory_allocated_bytes_total was not used: it only moves at a collection and counts the young"
                + " generation only.");
        BenchReport report = new BenchReport(plan, targets, results, soaks, notes, command, took, started);
        report.write(out);
        log("report written to " + out.resolve(BenchReport.MARKDOWN) + " in " + took.toSeconds() + " s");
        deleteTree(work);
    }

    /** Max-throughput points run on wrk when it is installed (see {@link WrkRunner}); null: the Java generator. */
    static WrkRunner wrk;

    static Measurement measure(LoadGenerator gen, Target t, Point p, Duration warmup, Duration window)
            throws InterruptedException, IOException {
        boolean onRedis = t.name().contains("redis");
        long redis0 = onRedis ? redisCommands() : -1;
        long db0 = onRedis ? dbTransactions() : -1;
        double redisCpu0 = onRedis ? redisCpuSeconds() : -1;
        double cpu0 = t.cpuSeconds();
        LoadSpec spec = spec(t, p, warmup, window);
        GcLog.Mark[] gcStart = new GcLog.Mark[1];
        Runnable atWindowStart = t.observesGc() ? () -> gcStart[0] = t.markGc() : () -> {};
        LoadResult r = p.max() && wrk != null ? wrk.run(spec, atWindowStart) : gen.run(spec, atWindowStart);
        GcActivity gc = gcStart[0] == null ? null : t.gcSince(gcStart[0]);
        double cpu = t.cpuSeconds() - cpu0;
        long redisDelta = onRedis ? redisCommands() - redis0 : -1;
        long dbDelta = onRedis ? dbTransactions() - db0 : -1;
        double redisCpu = onRedis && redisCpu0 >= 0 ? redisCpuSeconds() - redisCpu0 : -1;
        t.sampleMemory();
        return new Measurement(p, t.name(), r, cpu, redisDelta, dbDelta, redisCpu < 0 ? -1 : redisCpu, gc);
    }

    /** Two rounds of one target at one point as one measurement: histograms and counts added. */
    static Measurement combine(Measurement a, Measurement b) {
        LatencyRecorder rec = new LatencyRecorder();
        rec.add(a.result().recorder());
        rec.add(b.result().recorder());
        LoadResult r = new LoadResult(
                a.result().spec(),
                rec,
                a.result().completedInWindow() + b.result().completedInWindow(),
                a.result().completedTotal() + b.result().completedTotal(),
                a.result().windowSeconds() + b.result().windowSeconds(),
                Math.max(a.result().maxInFlight(), b.result().maxInFlight()));
        long redis = a.redisCommands() < 0 ? -1 : a.redisCommands() + b.redisCommands();
        long db = a.dbTransactions() < 0 ? -1 : a.dbTransactions() + b.dbTransactions();
        double redisCpu =
                a.redisCpuSeconds() < 0 || b.redisCpuSeconds() < 0 ? -1 : a.redisCpuSeconds() + b.redisCpuSeconds();
        GcActivity gc = a.gc() == null || b.gc() == null ? null : a.gc().plus(b.gc());
        return new Measurement(a.point(), a.target(), r, a.cpuSeconds() + b.cpuSeconds(), redis, db, redisCpu, gc);
    }

    static LoadSpec spec(Target t, Point p, Duration warmup, Duration window) {
        return new LoadSpec(
                "127.0.0.1",
                t.port(p.upstream()),
                "/v1/chat/completions",
                t.headers(),
                t.model(p.upstream()),
                p.stream(),
                p.customers(),
                p.connections(),
                p.rate(),
                warmup,
                window,
                Duration.ofSeconds(p.upstream() == Upstream.DRIP ? 15 : 5),
                p.promptBytes(),
                p.halfStreaming());
    }

    /** Warms the JIT of a target's process (not recorded): JSON, streaming, one connection, and large prompts when the plan has them. */
    private static void warm(LoadGenerator gen, Target t, Plan plan) throws InterruptedException {
        // The JVM (Tollgate, and the upstream through direct) needs its JIT warm: C2 keeps compiling for
        // tens of seconds, and its CPU would otherwise be charged to the first points.
        Duration warm = t.kind() == Target.Kind.TOLLGATE
                ? plan.targetWarmup()
                : plan.targetWarmup().dividedBy(3);
        log("warming " + t.name() + " for " + warm.multipliedBy(3).dividedBy(2).toSeconds() + " s");
        gen.run(spec(t, new Point("warm", "", Upstream.FAST, false, 64, 10, 0, false), Duration.ZERO, warm));
        gen.run(spec(
                t, new Point("warm", "", Upstream.FAST, true, 64, 10, 0, false), Duration.ZERO, warm.dividedBy(2)));
        gen.run(spec(
                t, new Point("warm", "", Upstream.FAST, false, 1, 10, 0, false), Duration.ZERO, Duration.ofSeconds(1)));
        int largest = plan.points().stream().mapToInt(Point::promptBytes).max().orElse(0);
        if (largest > 0) {
            // Large prompts take other code paths (body handling, the parser's long strings): warm them
            // too, or the first large point measures the JIT.
            gen.run(spec(
                    t,
                    new Point("warm", "", Upstream.FAST, false, 16, 10, 0, false, largest),
                    Duration.ZERO,
                    warm.dividedBy(2)));
        }
    }

    private static void logResult(Measurement m) {
        LoadResult r = m.result();
        log(String.format(
                Locale.ROOT,
                "%-14s %-18s %8.0f req/s  p50 %7.3f  p99 %7.3f  p99.9 %7.3f ms  ttfb p50 %7.3f  cpu %6.1f us/call"
                        + "  err %d  lag p99 %.3f ms%s%s",
                m.point().id(),
                m.target(),
                r.throughput(),
                r.latencyMs(50),
                r.latencyMs(99),
                r.latencyMs(99.9),
                r.firstByteMs(50),
                m.cpuMicrosPerCall(),
                r.errors(),
                r.recorder().sendLag().getValueAtPercentile(99) / 1000.0,
                m.redisCommands() >= 0
                        ? String.format(
                                Locale.ROOT,
                                "  redis cmds/call %.2f  redis cpu %.1f us/call  db tx %d",
                                (double) m.redisCommands() / Math.max(1, r.completedTotal()),
                                m.redisCpuMicrosPerCall(),
                                m.dbTransactions())
                        : "",
                m.gc() != null
                        ? String.format(
                                Locale.ROOT,
                                "  alloc %.0f B/call  gc %d pauses %.1f ms (max %.2f ms)",
                                m.allocatedBytesPerCall(),
                                m.gc().pauses(),
                                m.gc().pauseMillisTotal(),
                                m.gc().pauseMillisMax())
                        : ""));
    }

    /** One call of each kind; for Tollgate, checks the answer carries the rate-limit headers (enforcement on). */
    private static void checkTarget(Target t, List<String> notes) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        for (boolean stream : new boolean[] {false, true}) {
            HttpRequest.Builder b = HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + t.port(Upstream.FAST) + "/v1/chat/completions"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(
                            RequestTemplates.body(t.model(Upstream.FAST), "cust-check", stream)));
            t.headers().forEach(b::header);
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalStateException(t.name() + " answered " + r.statusCode() + ": " + r.body());
            }
            if (t.kind() == Target.Kind.TOLLGATE && !stream) {
                String remaining =
                        r.headers().firstValue("x-ratelimit-remaining-requests").orElse(null);
                if (remaining == null) {
                    throw new IllegalStateException(
                            t.name() + ": no x-ratelimit-remaining-requests header; the default budget is not applied");
                }
            }
        }
    }

    private static Soak soak(LoadGenerator gen, Target t, Plan plan) throws Exception {
        log("soak " + t.name() + ": " + plan.soakStreams() + " concurrent streams");
        long before = heapAfterGc(t);
        AtomicLong maxHeap = new AtomicLong();
        AtomicLong maxRss = new AtomicLong();
        // A flag, not only an interrupt: the HTTP client inside heapUsedBytes() can swallow an
        // interrupt, and then the sampler would never end (it did once).
        AtomicBoolean stop = new AtomicBoolean();
        Thread sampler = new Thread(
                () -> {
                    while (!stop.get() && !Thread.currentThread().isInterrupted()) {
                        maxHeap.accumulateAndGet(t.heapUsedBytes(), Math::max);
                        maxRss.accumulateAndGet(t.process().rssBytes(), Math::max);
                        try {
                            Thread.sleep(500);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                },
                "soak-sampler");
        sampler.setDaemon(true);
        sampler.start();
        Point p = new Point("soak", "", Upstream.DRIP, true, plan.soakStreams(), 1000, 0, true);
        LoadResult r = gen.run(spec(t, p, Duration.ZERO, plan.soakWindow()));
        stop.set(true);
        sampler.interrupt();
        sampler.join(10_000);
        Thread.sleep(1000);
        long after = heapAfterGc(t);
        long leaks = 0;
        if (t.process().log() != null) {
            leaks = Files.readAllLines(t.process().log()).stream()
                    .filter(l -> l.contains("LEAK:"))
                    .count();
        }
        log(String.format(
                Locale.ROOT,
                "soak %s: max in flight %d, ok %d, errors %d, heap %d MB -> %d MB after GC, max heap %d MB, leaks %d",
                t.name(),
                r.maxInFlight(),
                r.recorder().ok(),
                r.errors(),
                before >> 20,
                after >> 20,
                maxHeap.get() >> 20,
                leaks));
        return new Soak(t.name(), plan.soakStreams(), r, before, after, maxHeap.get(), maxRss.get(), leaks);
    }

    static long heapAfterGc(Target t) {
        Launcher.sh("jcmd " + t.process().pid() + " GC.run");
        return t.heapUsedBytes();
    }

    static long redisCommands() {
        try {
            // Requests Tollgate sends on the call path: scripts (EVALSHA, EVAL on NOSCRIPT). Commands that
            // scripts run inside (the settle script's dirty-mark SADD on a single Redis) are counted by
            // Redis as well, so only the top-level script calls are summed.
            Process p = new ProcessBuilder(
                            "redis-cli", "-h", "127.0.0.1", "-p", String.valueOf(redisPort), "info", "commandstats")
                    .start();
            String text = new String(p.getInputStream().readAllBytes());
            p.waitFor();
            long sum = 0;
            for (String line : text.split("\n")) {
                if (line.startsWith("cmdstat_evalsha:") || line.startsWith("cmdstat_eval:")) {
                    int i = line.indexOf("calls=");
                    sum += Long.parseLong(line.substring(i + 6, line.indexOf(',', i)));
                }
            }
            return sum;
        } catch (Exception e) {
            return -1;
        }
    }

    /** CPU seconds (user + system) of the bench's redis-server so far ({@code INFO cpu}); -1 when unknown. */
    static double redisCpuSeconds() {
        try {
            Process p = new ProcessBuilder(
                            "redis-cli", "-h", "127.0.0.1", "-p", String.valueOf(redisPort), "info", "cpu")
                    .start();
            String text = new String(p.getInputStream().readAllBytes());
            p.waitFor();
            double sum = 0;
            for (String line : text.split("\r?\n")) {
                if (line.startsWith("used_cpu_sys:") || line.startsWith("used_cpu_user:")) {
                    sum += Double.parseDouble(
                            line.substring(line.indexOf(':') + 1).trim());
                }
            }
            return sum;
        } catch (Exception e) {
            return -1;
        }
    }

    static long dbTransactions() {
        try {
            Process p = new ProcessBuilder(
                            "psql",
                            "-h",
                            "127.0.0.1",
                            "-U",
                            "postgres",
                            "-tAc",
                            "select xact_commit + xact_rollback from pg_stat_database where datname = 'tollgate_bench'")
                    .start();
            String text = new String(p.getInputStream().readAllBytes()).trim();
            p.waitFor();
            return Long.parseLong(text);
        } catch (Exception e) {
            return -1;
        }
    }

    private static void deleteTree(Path dir) {
        try (var walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (Exception ignored) {
            // temp dir: best effort
        }
    }

    static void log(String line) {
        System.out.println("[bench " + LocalTime.now().withNano(0) + "] " + line);
        System.out.flush();
    }
}
