package dev.tollgate.bench.scenario;

import dev.tollgate.bench.load.LoadResult;
import dev.tollgate.bench.load.LoadSpec;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * The steady-state point with many known customers: create the population (one call each, so
 * every customer gets its row, its account and its cached policy), wait until the flush has
 * written it, warm it up with a second round, then measure. Around it: heap after GC and Redis
 * memory per customer, and the spend flush's own CPU during the window, written to the notes.
 */
final class Population {
    private static final Duration DRAIN_LIMIT = Duration.ofMinutes(5);

    private Population() {}

    static Measurement measure(
            Target t, Point p, Plan plan, List<Measurement> earlier, List<String> notes, int redisPort)
            throws IOException, InterruptedException {
        boolean onRedis = t.name().contains("redis");
        long heap0 = BenchMain.heapAfterGc(t);
        long redis0 = onRedis ? redisUsedMemory(redisPort) : -1;
        double rate = earlier.stream()
                .filter(m -> m.target().equals(t.name()) && m.point().id().equals(Plan.ONBOARD_64))
                .mapToDouble(m -> m.result().throughput())
                .findFirst()
                .orElse(5_000);
        // wrk counts requests from 0 in each run, so one run must cover the whole population.
        Duration round = Duration.ofSeconds(Math.max(15, Math.min(900, (long) (1.25 * p.customers() / rate))));
        BenchMain.log(t.name() + ": creating " + p.customers() + " customers (" + round.toSeconds() + " s)");
        LoadResult created = run(t, p, round);
        BenchMain.log(
                String.format(Locale.ROOT, "%s: %,d calls, waiting for the flush", t.name(), created.completedTotal()));
        waitForFlush(t, p.customers());
        Thread.sleep(7_000); // the customer directory syncs every 5 s
        BenchMain.log(t.name() + ": warming " + p.customers() + " customers (" + round.toSeconds() + " s)");
        run(t, p, round);

        double flushCpu0 = metric(t, "tollgate_spend_flush_cpu_seconds_total");
        double flushed0 = metric(t, "tollgate_spend_flushed_batches_total");
        Duration window = plan.quick() ? Duration.ofSeconds(20) : Duration.ofSeconds(60);
        long redisCalls0 = onRedis ? BenchMain.redisCommands() : -1;
        long db0 = onRedis ? BenchMain.dbTransactions() : -1;
        double redisCpu0 = onRedis ? BenchMain.redisCpuSeconds() : -1;
        double cpu0 = t.cpuSeconds();
        LoadSpec spec = BenchMain.spec(t, p, plan.warmup(), window);
        LoadResult r = BenchMain.wrk.run(spec);
        double cpu = t.cpuSeconds() - cpu0;
        long redisDelta = onRedis ? BenchMain.redisCommands() - redisCalls0 : -1;
        long dbDelta = onRedis ? BenchMain.dbTransactions() - db0 : -1;
        double redisCpu = onRedis && redisCpu0 >= 0 ? BenchMain.redisCpuSeconds() - redisCpu0 : -1;
        double flushCpu = metric(t, "tollgate_spend_flush_cpu_seconds_total") - flushCpu0;
        double flushed = metric(t, "tollgate_spend_flushed_batches_total") - flushed0;
        t.sampleMemory();

        long heap1 = BenchMain.heapAfterGc(t);
        StringBuilder n = new StringBuilder(String.format(
                Locale.ROOT,
                "%s, %,d customers: heap after GC %,d MB (%,d bytes per customer over the empty proxy)",
                t.name(),
                p.customers(),
                heap1 >> 20,
                (heap1 - heap0) / p.customers()));
        if (onRedis) {
            long redis1 = redisUsedMemory(redisPort);
            n.append(String.format(
                    Locale.ROOT,
                    "; Redis used_memory %,d MB (%,d bytes per customer)",
                    redis1 >> 20,
                    (redis1 - redis0) / p.customers()));
        }
        n.append(String.format(
                Locale.ROOT,
                "; during the %d s window the spend flush wrote %,.0f batches with %.2f s of flusher-thread CPU (%.1f µs"
                        + " per batch, %.1f µs per call; %.0f%% of the process's %.1f s)%s.",
                window.toSeconds(),
                flushed,
                flushCpu,
                flushed > 0 ? flushCpu * 1e6 / flushed : 0,
                r.completedTotal() > 0 ? flushCpu * 1e6 / r.completedTotal() : 0,
                cpu > 0 ? 100 * flushCpu / cpu : 0,
                cpu,
                onRedis ? " (PostgreSQL's and Redis's own CPU not included)" : " (H2 runs in that thread: included)"));
        notes.add(n.toString());
        BenchMain.log(n.toString());
        return new Measurement(p, t.name(), r, cpu, redisDelta, dbDelta, redisCpu < 0 ? -1 : redisCpu);
    }

    private static LoadResult run(Target t, Point p, Duration d) throws IOException, InterruptedException {
        return BenchMain.wrk.run(BenchMain.spec(t, p, Duration.ZERO, d));
    }

    /** Waits until a flush pass found (almost) nothing left to write. */
    private static void waitForFlush(Target t, int customers) throws InterruptedException {
        long deadline = System.nanoTime() + DRAIN_LIMIT.toNanos();
        double start = metric(t, "tollgate_spend_flushed_batches_total");
        while (System.nanoTime() < deadline) {
            Thread.sleep(2_000);
            double flushed = metric(t, "tollgate_spend_flushed_batches_total") - start;
            double pending = metric(t, "tollgate_spend_pending_customers");
            if (flushed >= customers * 0.9 && pending < customers / 100.0) {
                return;
            }
        }
        BenchMain.log(
                t.name() + ": the flush had not caught up after " + DRAIN_LIMIT.toMinutes() + " min; measuring anyway");
    }

    /** A metric's value from Tollgate's /metrics (summed over its series); 0 when absent. */
    static double metric(Target t, String name) {
        try {
            double sum = 0;
            for (String line : t.get("/metrics").split("\n")) {
                if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
                    sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
            return sum;
        } catch (Exception e) {
            return 0;
        }
    }

    static long redisUsedMemory(int port) {
        try {
            Process pr = new ProcessBuilder(
                            "redis-cli", "-h", "127.0.0.1", "-p", String.valueOf(port), "info", "memory")
                    .start();
            String text = new String(pr.getInputStream().readAllBytes());
            pr.waitFor();
            for (String line : text.split("\n")) {
                if (line.startsWith("used_memory:")) {
                    return Long.parseLong(
                            line.substring("used_memory:".length()).trim());
                }
            }
        } catch (Exception e) {
            // fall through
        }
        return -1;
    }
}
