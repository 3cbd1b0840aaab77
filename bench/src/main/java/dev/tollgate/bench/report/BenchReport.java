package dev.tollgate.bench.report;

import static dev.tollgate.bench.report.MarkdownTable.auto;
import static dev.tollgate.bench.report.MarkdownTable.num;

import dev.tollgate.bench.load.LoadResult;
import dev.tollgate.bench.scenario.Measurement;
import dev.tollgate.bench.scenario.Plan;
import dev.tollgate.bench.scenario.Point;
import dev.tollgate.bench.scenario.Soak;
import dev.tollgate.bench.scenario.Target;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes a run's report: {@code latest.md} (machine, command, targets met or missed, every
 * measurement with its ratios to nginx and direct), {@code latency-vs-load.svg}, and
 * {@code latest.csv} (one line per measurement, for comparing with the next run; the previous CSV,
 * if any, is compared in the markdown before being replaced).
 */
public final class BenchReport {
    public static final String MARKDOWN = "latest.md";
    public static final String SVG = "latency-vs-load.svg";
    public static final String CSV = "latest.csv";

    private final Plan plan;
    private final List<Target> targets;
    private final List<Measurement> results;
    private final List<Soak> soaks;
    private final List<String> notes;
    private final String command;
    private final Duration took;
    private final Instant started;

    public BenchReport(
            Plan plan,
            List<Target> targets,
            List<Measurement> results,
            List<Soak> soaks,
            List<String> notes,
            String command,
            Duration took,
            Instant started) {
        this.plan = plan;
        this.targets = targets;
        this.results = results;
        this.soaks = soaks;
        this.notes = notes;
        this.command = command;
        this.took = took;
        this.started = started;
    }

    public void write(Path dir) throws IOException {
        Path csv = dir.resolve(CSV);
        Map<String, String[]> previous = Files.exists(csv) ? readCsv(Files.readAllLines(csv)) : Map.of();
        Files.writeString(dir.resolve(SVG), chart().render());
        Files.writeString(dir.resolve(MARKDOWN), markdown(previous));
        Files.writeString(csv, csv());
    }

    Measurement find(String point, String target) {
        for (Measurement m : results) {
            if (m.point().id().equals(point) && m.target().equals(target)) {
                return m;
            }
        }
        return null;
    }

    private List<Point> points() {
        List<Point> ps = new ArrayList<>();
        for (Measurement m : results) {
            if (!ps.contains(m.point())) {
                ps.add(m.point());
            }
        }
        return ps;
    }

    private List<String> tollgates() {
        List<String> names = new ArrayList<>();
        for (Target t : targets) {
            if (t.kind() == Target.Kind.TOLLGATE) {
                names.add(t.name());
            }
        }
        return names;
    }

    String markdown(Map<String, String[]> previous) {
        StringBuilder sb = new StringBuilder();
        sb.append("# Tollgate benchmark: ")
                .append(DateTimeFormatter.ISO_LOCAL_DATE_TIME.format(
                        started.atOffset(ZoneOffset.UTC).withNano(0)))
                .append(" UTC")
                .append(plan.quick() ? " (quick)" : "")
                .append("\n\n");
        sb.append("Command: `")
                .append(command)
                .append("` — took ")
                .append(took.toSeconds())
                .append(" s.\n\n");
        sb.append("Machine: ").append(Machine.describe()).append("\n\n");
        sb.append("Every point ran ")
                .append(plan.warmup().toSeconds())
                .append(" s warm-up + ")
                .append(plan.window().toSeconds())
                .append(
                        " s measured, against each target back to back in this one invocation, all on 127.0.0.1: the load generator,"
                                + " the fake upstream, nginx, Tollgate (and Redis) share the same cores, so absolute numbers are low and noisy;"
                                + " compare the ratios, which are taken minutes apart under the same conditions. Nothing is pinned to a core."
                                + " Latencies are open-loop, from each request's intended send time (coordinated omission corrected),"
                                + " HdrHistogram; \"added\" is the percentile minus direct's same percentile at the same point."
                                + " CPU is the proxy process's user+system time over the point divided by the calls it answered.\n\n");
        sb.append("Targets:\n\n");
        for (Target t : targets) {
            sb.append("- **").append(t.name()).append("**: ").append(t.note()).append('\n');
        }
        sb.append('\n');
        sb.append("## Goals\n\n").append(verdicts().render()).append('\n');
        sb.append("## Results\n\n");
        sb.append(
                "Throughput points (load `max`): `×nginx` and `×direct` are throughput ratios (higher is better)."
                        + " Fixed-rate points: they are p99 latency ratios (lower is better). Latencies in ms. `gen lag p99`: how late the load"
                        + " generator itself sent its requests (a stalled machine shows here first; it is part of every latency, direct's too)."
                        + " 1-connection points ran in alternating rounds (direct, nginx, Tollgates, again) merged per target.\n\n");
        MarkdownTable t = new MarkdownTable(
                "point",
                "target",
                "load",
                "req/s",
                "p50",
                "p99",
                "p99.9",
                "added p50",
                "added p99",
                "TTFB p50",
                "TTFB p99",
                "CPU µs/call",
                "×nginx",
                "×direct",
                "errors",
                "gen lag p99",
                "alloc B/call",
                "GC pauses (ms total)",
                "longest GC pause ms");
        for (Point p : points()) {
            Measurement direct = find(p.id(), "direct");
            Measurement nginx = find(p.id(), "nginx");
            if (direct == null) {
                direct = find(Plan.MAX_64, "direct");
            }
            if (nginx == null) {
                nginx = find(Plan.MAX_64, "nginx");
            }
            for (Measurement m : results) {
                if (m.point() != p) {
                    continue;
                }
                LoadResult r = m.result();
                t.row(
                        p.id(),
                        m.target(),
                        p.load(),
                        num(r.throughput(), 0),
                        auto(r.latencyMs(50)),
                        auto(r.latencyMs(99)),
                        auto(r.latencyMs(99.9)),
                        added(m, direct, 50),
                        added(m, direct, 99),
                        p.stream() ? auto(r.firstByteMs(50)) : null,
                        p.stream() ? auto(r.firstByteMs(99)) : null,
                        auto(m.cpuMicrosPerCall()),
                        ratio(m, nginx),
                        ratio(m, direct),
                        r.errors(),
                        p.max() ? null : auto(r.recorder().sendLag().getValueAtPercentile(99) / 1000.0),
                        num(m.allocatedBytesPerCall(), 0),
                        m.gc() == null ? null : m.gc().pauses() + " (" + auto(m.gc().pauseMillisTotal()) + ")",
                        m.gc() == null ? null : auto(m.gc().pauseMillisMax()));
            }
        }
        sb.append(t.render()).append('\n');
        sb.append("Points:\n\n");
        for (Point p : points()) {
            sb.append("- `").append(p.id()).append("`: ").append(p.title()).append('\n');
        }
        sb.append('\n');
        sb.append("## Latency against load\n\n![p50 and p99 latency against offered load](")
                .append(SVG)
                .append(")\n\n");
        sb.append(
                "64 connections, JSON, 20 ms upstream, fixed arrival rates; log scale. A line that climbs steeply has reached"
                        + " its saturation point.\n\n");
        sb.append("## Memory\n\n");
        MarkdownTable mem = new MarkdownTable("target", "max heap used (MB)", "max RSS (MB)");
        for (Target tg : targets) {
            if (tg.kind() == Target.Kind.DIRECT) {
                continue;
            }
            mem.row(
                    tg.name(),
                    tg.kind() == Target.Kind.TOLLGATE ? num(tg.maxHeap() / 1048576.0, 0) : null,
                    num(tg.maxRss() / 1048576.0, 0));
        }
        sb.append(mem.render())
                .append("\nSampled after every point (Tollgate's heap: see the notes; nginx: master + workers).\n\n");
        if (!soaks.isEmpty()) {
            sb.append("## Concurrent streams\n\n");
            MarkdownTable s = new MarkdownTable(
                    "target",
                    "streams",
                    "max in flight",
                    "streams completed",
                    "errors",
                    "heap after GC before (MB)",
                    "heap after GC after (MB)",
                    "max heap (MB)",
                    "max RSS (MB)",
                    "LEAK reports");
            for (Soak k : soaks) {
                s.row(
                        k.target(),
                        k.streams(),
                        k.result().maxInFlight(),
                        k.result().recorder().ok(),
                        k.result().errors(),
                        num(k.heapBeforeGc() / 1048576.0, 0),
                        num(k.heapAfterGc() / 1048576.0, 0),
                        num(k.maxHeap() / 1048576.0, 0),
                        num(k.maxRss() / 1048576.0, 0),
                        k.leakReports());
            }
            sb.append(s.render())
                    .append(
                            "\nEach connection runs 20-chunk streams paced 250 ms apart (5 s per stream) back to back for ")
                    .append(plan.soakWindow().toSeconds())
                    .append(" s; Netty leak detection `simple` is on in Tollgate.\n\n");
        }
        List<Measurement> onRedis =
                results.stream().filter(m -> m.redisCommands() >= 0).toList();
        if (!onRedis.isEmpty()) {
            sb.append("## Redis and database work per call\n\n");
            MarkdownTable w = new MarkdownTable(
                    "point",
                    "target",
                    "calls",
                    "Redis commands",
                    "per call",
                    "Redis CPU µs per call",
                    "Redis cores at the measured rate",
                    "Tollgate + Redis CPU µs per call",
                    "PostgreSQL transactions",
                    "per call");
            for (Measurement m : onRedis) {
                long calls = m.result().completedTotal();
                w.row(
                        m.point().id(),
                        m.target(),
                        calls,
                        m.redisCommands(),
                        num((double) m.redisCommands() / Math.max(1, calls), 2),
                        Double.isNaN(m.redisCpuMicrosPerCall()) ? "–" : num(m.redisCpuMicrosPerCall(), 1),
                        num(m.redisCoresAtMeasuredRate(), 2),
                        Double.isNaN(m.redisCpuMicrosPerCall()) || Double.isNaN(m.cpuMicrosPerCall())
                                ? "–"
                                : num(m.cpuMicrosPerCall() + m.redisCpuMicrosPerCall(), 1),
                        m.dbTransactions(),
                        num((double) m.dbTransactions() / Math.max(1, calls), 4));
            }
            sb.append(w.render())
                    .append("\nRedis commands from the bench's own redis-server (`INFO commandstats`: EVALSHA + EVAL,"
                            + " the requests Tollgate sends on the call path to a single Redis; the commands its Lua scripts run inside,"
                            + " such as the dirty-mark SADD in the settle script, are not counted); Redis CPU from its `INFO cpu`"
                            + " (user + system, network I/O included), Tollgate CPU from its process(es), both over the whole point;"
                            + " \"Redis cores at the measured rate\": Redis CPU per call × the window's calls per second (1.00 is"
                            + " all of one core, the ceiling of a single-threaded Redis);"
                            + " transactions from `pg_stat_database` of the bench's database (they include the spend flusher and budget-reset"
                            + " job, which run off the call path every 10 s).\n\n");
        }
        List<Measurement> hot =
                results.stream().filter(m -> m.point().id().startsWith("hot-")).toList();
        if (!hot.isEmpty()) {
            sb.append("## One hot customer\n\n");
            MarkdownTable h = new MarkdownTable(
                    "point",
                    "target",
                    "instances",
                    "calls/s",
                    "p50",
                    "p99",
                    "Tollgate CPU µs per call (all instances)",
                    "Redis script calls per call",
                    "Redis CPU µs per call",
                    "Redis cores at the measured rate",
                    "alloc B/call");
            for (Measurement m : hot) {
                LoadResult r = m.result();
                h.row(
                        m.point().id(),
                        m.target(),
                        m.point().instances(),
                        num(r.throughput(), 0),
                        auto(r.latencyMs(50)),
                        auto(r.latencyMs(99)),
                        auto(m.cpuMicrosPerCall()),
                        m.redisCommands() < 0
                                ? null
                                : num((double) m.redisCommands() / Math.max(1, r.completedTotal()), 2),
                        num(m.redisCpuMicrosPerCall(), 1),
                        num(m.redisCoresAtMeasuredRate(), 2),
                        num(m.allocatedBytesPerCall(), 0));
            }
            sb.append(h.render())
                    .append(
                            "\nAll calls from one customer whose RPM/TPM limits and budget are far above the load. On one"
                                    + " Redis, that customer's counters live on one Redis core: the calls/s a fleet can give one customer"
                                    + " is at most 1 / (Redis CPU per call) — the last column is the share of that core the measured"
                                    + " rate used. On this 2-core host the instances, Redis, the upstream and the wrk processes share the"
                                    + " same cores, so the fleet's calls/s is capped by the host, not by Redis.\n\n");
        }
        if (!previous.isEmpty()) {
            sb.append("## Change since the previous report\n\n");
            MarkdownTable c =
                    new MarkdownTable("point", "target", "req/s before", "req/s now", "p99 before", "p99 now");
            for (Measurement m : results) {
                String[] old = previous.get(m.point().id() + "/" + m.target());
                if (old != null && m.target().startsWith("tollgate")) {
                    c.row(
                            m.point().id(),
                            m.target(),
                            old[2],
                            num(m.result().throughput(), 0),
                            old[4],
                            auto(m.result().latencyMs(99)));
                }
            }
            sb.append(c.render()).append('\n');
        }
        if (!notes.isEmpty()) {
            sb.append("## Notes\n\n");
            for (String n : notes) {
                sb.append("- ").append(n).append('\n');
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    private static String added(Measurement m, Measurement direct, double pct) {
        if (direct == null || m.target().equals("direct") || direct.point() != m.point()) {
            return null;
        }
        return auto(m.result().latencyMs(pct) - direct.result().latencyMs(pct));
    }

    private static String ratio(Measurement m, Measurement base) {
        if (base == null) {
            return null;
        }
        if (m.point().max()) {
            return num(m.result().throughput() / base.result().throughput(), 2);
        }
        if (base.point() != m.point()) {
            return null;
        }
        return num(m.result().latencyMs(99) / base.result().latencyMs(99), 2);
    }

    MarkdownTable verdicts() {
        MarkdownTable v = new MarkdownTable("target", "goal", "measured", "met");
        for (String tg : tollgates()) {
            boolean redis = tg.contains("redis");
            double goal = redis ? 0.8 : 1.0;
            for (String pid : List.of(Plan.MAX_64, Plan.MAX_512, Plan.MAX_64_STREAM)) {
                Measurement m = find(pid, tg);
                Measurement n = find(pid, "nginx");
                if (m != null && n != null) {
                    double r = m.result().throughput() / n.result().throughput();
                    v.row(
                            tg + ": max throughput (" + pid + ")",
                            "≥ " + goal + " × nginx",
                            num(r, 2) + " × nginx (" + num(m.result().throughput(), 0) + " vs "
                                    + num(n.result().throughput(), 0) + " req/s)",
                            yes(r >= goal));
                }
            }
        }
        for (String tg : tollgates()) {
            Measurement m = find(Plan.LAT_1C, tg);
            Measurement d = find(Plan.LAT_1C, "direct");
            if (m != null && d != null) {
                double a50 = m.result().latencyMs(50) - d.result().latencyMs(50);
                double a99 = m.result().latencyMs(99) - d.result().latencyMs(99);
                v.row(tg + ": added latency, 1 connection, p50", "≤ 0.2 ms", num(a50, 3) + " ms", yes(a50 <= 0.2));
                v.row(tg + ": added latency, 1 connection, p99", "≤ 1 ms", num(a99, 3) + " ms", yes(a99 <= 1.0));
            }
            Measurement s = find(Plan.TTFB_1C, tg);
            Measurement ds = find(Plan.TTFB_1C, "direct");
            if (s != null && ds != null) {
                double a = s.result().firstByteMs(50) - ds.result().firstByteMs(50);
                double a99 = s.result().firstByteMs(99) - ds.result().firstByteMs(99);
                v.row(
                        tg + ": streaming TTFB added, p50 (p99)",
                        "≤ 0.5 ms",
                        num(a, 3) + " ms (" + num(a99, 3) + " ms)",
                        yes(a <= 0.5));
            }
            Measurement few = find(Plan.MAX_64, tg);
            Measurement many = find(Plan.MAX_64_100K, tg);
            if (few != null && many != null) {
                double loss = 1 - many.result().throughput() / few.result().throughput();
                v.row(
                        tg + ": 100,000 vs 10 customers",
                        "< 10% less throughput",
                        num(loss * 100, 1) + "% less (" + num(many.result().throughput(), 0) + " vs "
                                + num(few.result().throughput(), 0) + " req/s)",
                        yes(loss < 0.10));
            }
        }
        for (String tg : tollgates()) {
            Measurement few = find(Plan.MAX_64, tg);
            Measurement known = find(Plan.MAX_64_POPULATION, tg);
            Measurement fresh = find(Plan.ONBOARD_64, tg);
            if (few != null && known != null) {
                double ratio = known.result().throughput() / few.result().throughput();
                v.row(
                        tg + ": "
                                + String.format(
                                        Locale.ROOT, "%,d", known.point().customers()) + " known customers vs 10",
                        "≥ 0.9 × the 10-customer throughput",
                        num(ratio, 2) + " × (" + num(known.result().throughput(), 0) + " vs "
                                + num(few.result().throughput(), 0) + " req/s; " + num(known.cpuMicrosPerCall(), 0)
                                + " vs " + num(few.cpuMicrosPerCall(), 0) + " µs CPU per call)",
                        yes(ratio >= 0.9));
            }
            if (few != null && fresh != null) {
                double ratio = fresh.result().throughput() / few.result().throughput();
                v.row(
                        tg + ": onboarding (every call a new customer)",
                        "≥ 0.5 × the 10-customer throughput",
                        num(ratio, 2) + " × (" + num(fresh.result().throughput(), 0) + " new customers/s)",
                        yes(ratio >= 0.5));
            }
        }
        for (String tg : tollgates()) {
            largePromptVerdicts(v, tg);
        }
        for (Soak k : soaks) {
            boolean ok = k.result().errors() == 0
                    && k.leakReports() == 0
                    && k.result().maxInFlight() >= k.streams()
                    && k.heapAfterGc() <= k.heapBeforeGc() + 32L * 1048576;
            v.row(
                    k.target() + ": " + k.streams() + " concurrent streams",
                    "no error, no leak",
                    k.result().maxInFlight() + " in flight, " + k.result().errors() + " errors, " + k.leakReports()
                            + " leak reports, heap after GC " + num(k.heapBeforeGc() / 1048576.0, 0) + " → "
                            + num(k.heapAfterGc() / 1048576.0, 0) + " MB",
                    yes(ok));
        }
        Measurement w = find(Plan.MAX_64, "tollgate-redis-pg");
        if (w != null && w.redisCommands() >= 0) {
            double perCall = (double) w.redisCommands() / Math.max(1, w.result().completedTotal());
            v.row(
                    "tollgate-redis-pg: Redis work per call",
                    "1 round trip to admit, 1 pipelined to settle",
                    num(perCall, 2)
                            + " requests to Redis per call (admit EVALSHA; settle EVALSHA, which also sets the dirty mark)",
                    yes(perCall <= 2.05));
            Measurement many = find(Plan.MAX_64_100K, "tollgate-redis-pg");
            double tx = (double) w.dbTransactions() / Math.max(1, w.result().completedTotal());
            String manyTx = many == null
                    ? ""
                    : "; with 100,000 customers "
                            + num(
                                    (double) many.dbTransactions()
                                            / Math.max(1, many.result().completedTotal()),
                                    3) + " per call";
            boolean ok = tx < 0.01
                    && (many == null
                            || (double) many.dbTransactions()
                                            / Math.max(1, many.result().completedTotal())
                                    < 0.01);
            v.row(
                    "tollgate-redis-pg: database on the call path",
                    "none",
                    num(tx, 4) + " transactions per call" + manyTx,
                    yes(ok));
        }
        return v;
    }

    /**
     * Issue 19's goals over every large-prompt point of the run, one row per goal: allocation per
     * call within 1.5 × the body, no GC pause over 10 ms, p99 within nginx's + 5 ms, throughput at
     * the target's max-throughput goal against nginx.
     */
    private void largePromptVerdicts(MarkdownTable v, String tg) {
        double goal = tg.contains("redis") ? 0.8 : 1.0;
        StringBuilder alloc = new StringBuilder();
        StringBuilder pause = new StringBuilder();
        StringBuilder p99 = new StringBuilder();
        StringBuilder tput = new StringBuilder();
        boolean allocOk = true;
        boolean pauseOk = true;
        boolean p99Ok = true;
        boolean tputOk = true;
        boolean any = false;
        boolean anyNginx = false;
        for (Point p : points()) {
            Measurement m = find(p.id(), tg);
            if (p.promptBytes() == 0 || m == null) {
                continue;
            }
            any = true;
            if (m.gc() != null) {
                double x = m.allocatedBytesPerCall() / p.bodyBytes();
                allocOk &= x <= 1.5;
                sep(alloc).append(p.id()).append(' ').append(num(x, 2)).append(" ×");
                pauseOk &= m.gc().pauseMillisMax() <= 10;
                sep(pause)
                        .append(p.id())
                        .append(' ')
                        .append(auto(m.gc().pauseMillisMax()))
                        .append(" ms");
            }
            Measurement n = find(p.id(), "nginx");
            if (n != null) {
                anyNginx = true;
                double d = m.result().latencyMs(99) - n.result().latencyMs(99);
                p99Ok &= d <= 5;
                sep(p99).append(p.id())
                        .append(' ')
                        .append(d >= 0 ? "+" : "")
                        .append(auto(d))
                        .append(" ms");
                double r = m.result().throughput() / n.result().throughput();
                tputOk &= r >= goal;
                sep(tput).append(p.id()).append(' ').append(num(r, 2)).append(" ×");
            }
        }
        if (!any) {
            return;
        }
        if (alloc.length() > 0) {
            v.row(tg + ": large prompts, heap allocated per call", "≤ 1.5 × the body", alloc, yes(allocOk));
            v.row(tg + ": large prompts, longest GC pause", "≤ 10 ms", pause, yes(pauseOk));
        }
        if (anyNginx) {
            v.row(tg + ": large prompts, p99 against nginx's", "≤ nginx + 5 ms", p99, yes(p99Ok));
            v.row(tg + ": large prompts, throughput", "≥ " + goal + " × nginx", tput, yes(tputOk));
        }
    }

    private static StringBuilder sep(StringBuilder sb) {
        return sb.length() == 0 ? sb : sb.append(", ");
    }

    private static String yes(boolean met) {
        return met ? "**met**" : "**missed**";
    }

    SvgChart chart() {
        SvgChart c = new SvgChart(
                "Latency against offered load (64 connections, JSON, 20 ms upstream)",
                "offered load (req/s)",
                "latency (ms, log)");
        List<String> names = new ArrayList<>();
        for (Target t : targets) {
            names.add(t.name());
        }
        for (String pct : List.of("p50", "p99")) {
            for (String name : names) {
                List<double[]> pts = new ArrayList<>();
                for (Measurement m : results) {
                    if (m.target().equals(name) && m.point().id().startsWith(Plan.CURVE)) {
                        pts.add(new double[] {m.point().rate(), m.result().latencyMs(pct.equals("p50") ? 50 : 99)});
                    }
                }
                if (!pts.isEmpty()) {
                    c.add(new SvgChart.Series(name, pct, pts));
                }
            }
        }
        return c;
    }

    String csv() {
        StringBuilder sb =
                new StringBuilder("point,target,req_s,p50_ms,p99_ms,p999_ms,ttfb_p50_ms,cpu_us_per_call,errors,"
                        + "alloc_bytes_per_call,gc_pauses,gc_pause_total_ms,gc_pause_max_ms,redis_cpu_us_per_call\n");
        for (Measurement m : results) {
            LoadResult r = m.result();
            sb.append(String.join(
                            ",",
                            m.point().id(),
                            m.target(),
                            num(r.throughput(), 0),
                            num(r.latencyMs(50), 3),
                            num(r.latencyMs(99), 3),
                            num(r.latencyMs(99.9), 3),
                            num(r.firstByteMs(50), 3),
                            num(m.cpuMicrosPerCall(), 1),
                            String.valueOf(r.errors()),
                            num(m.allocatedBytesPerCall(), 0),
                            m.gc() == null ? "–" : String.valueOf(m.gc().pauses()),
                            m.gc() == null ? "–" : num(m.gc().pauseMillisTotal(), 3),
                            m.gc() == null ? "–" : num(m.gc().pauseMillisMax(), 3),
                            num(m.redisCpuMicrosPerCall(), 1)))
                    .append('\n');
        }
        return sb.toString();
    }

    /** point/target → {point, target, req_s, p50, p99, ...} of a previous CSV. */
    static Map<String, String[]> readCsv(List<String> lines) {
        Map<String, String[]> m = new HashMap<>();
        for (String l : lines.subList(Math.min(1, lines.size()), lines.size())) {
            String[] f = l.split(",");
            if (f.length >= 5) {
                m.put(f[0] + "/" + f[1], f);
            }
        }
        return m;
    }

    static String fmt(String f, Object... args) {
        return String.format(Locale.ROOT, f, args);
    }
}
