package dev.tollgate.bench.scenario;

import dev.tollgate.bench.gc.GcActivity;
import dev.tollgate.bench.gc.GcLog;
import dev.tollgate.bench.load.LatencyRecorder;
import dev.tollgate.bench.load.LoadResult;
import dev.tollgate.bench.load.LoadSpec;
import dev.tollgate.bench.load.WrkRunner;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * One point against a {@link Fleet}: one wrk per instance, started together with the instance's
 * share of the connections, as a load balancer in front of a fleet would spread them. The answers
 * are added up (throughput, histograms), CPU is the sum of the instances', Redis and PostgreSQL
 * work is read from the shared servers around the whole point.
 */
final class FleetRun {
    private FleetRun() {}

    static Measurement measure(Fleet fleet, Point p, Duration warmup, Duration window, WrkRunner wrk)
            throws IOException, InterruptedException {
        List<Target> instances = fleet.instances();
        int[] connections = Fleet.split(p.connections(), instances.size());
        long redis0 = BenchMain.redisCommands();
        long db0 = BenchMain.dbTransactions();
        double redisCpu0 = BenchMain.redisCpuSeconds();
        double cpu0 = fleet.cpuSeconds();
        GcLog.Mark[] marks = new GcLog.Mark[instances.size()];
        List<LoadResult> parts = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(instances.size());
        try {
            List<Future<LoadResult>> running = new ArrayList<>();
            for (int i = 0; i < instances.size(); i++) {
                Target t = instances.get(i);
                LoadSpec spec = BenchMain.spec(t, p, warmup, window).withConnections(connections[i]);
                int index = i;
                running.add(pool.submit(() -> wrk.run(spec, () -> marks[index] = t.markGc())));
            }
            for (Future<LoadResult> f : running) {
                parts.add(f.get());
            }
        } catch (ExecutionException e) {
            throw new IOException("wrk against " + fleet.name() + " failed", e.getCause());
        } finally {
            pool.shutdownNow();
        }
        double cpu = fleet.cpuSeconds() - cpu0;
        long redisDelta = BenchMain.redisCommands() - redis0;
        long dbDelta = BenchMain.dbTransactions() - db0;
        double redisCpu = redisCpu0 >= 0 ? BenchMain.redisCpuSeconds() - redisCpu0 : -1;
        GcActivity gc = GcActivity.NONE;
        for (int i = 0; i < instances.size(); i++) {
            gc = gc.plus(instances.get(i).gcSince(marks[i]));
            instances.get(i).sampleMemory();
        }
        LoadSpec whole = BenchMain.spec(instances.get(0), p, warmup, window);
        return new Measurement(p, fleet.name(), merge(whole, parts), cpu, redisDelta, dbDelta, redisCpu, gc);
    }

    /** The fleet's answers as one result: counts and histograms added over instances that ran the same window. */
    static LoadResult merge(LoadSpec whole, List<LoadResult> parts) {
        LatencyRecorder rec = new LatencyRecorder();
        long inWindow = 0;
        long total = 0;
        int inFlight = 0;
        double seconds = 0;
        for (LoadResult r : parts) {
            rec.add(r.recorder());
            inWindow += r.completedInWindow();
            total += r.completedTotal();
            inFlight += r.maxInFlight();
            seconds = Math.max(seconds, r.windowSeconds());
        }
        return new LoadResult(whole, rec, inWindow, total, seconds, inFlight);
    }
}
