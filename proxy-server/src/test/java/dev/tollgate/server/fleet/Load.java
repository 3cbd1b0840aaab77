package dev.tollgate.server.fleet;

import dev.tollgate.server.TestProxy;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * A bounded, paced load: one client thread per target, each sending {@code rps} calls a second
 * for {@code duration}, then stopping by itself. Every call's outcome is recorded.
 */
final class Load {
    record Call(
            int target,
            String customer,
            long startMs,
            long latencyMs,
            int status,
            long costNanos,
            String retryAfter,
            String body) {
        boolean ok() {
            return status == 200;
        }
    }

    /** Where a call goes: an in-JVM proxy or a separate process (master key sent). */
    interface Target {
        HttpResponse<String> post(String path, String json) throws IOException, InterruptedException;

        HttpResponse<String> get(String path) throws IOException, InterruptedException;

        static Target of(TestProxy p) {
            return new Target() {
                @Override
                public HttpResponse<String> post(String path, String json) throws IOException, InterruptedException {
                    return p.post(path, json);
                }

                @Override
                public HttpResponse<String> get(String path) throws IOException, InterruptedException {
                    return p.get(path);
                }
            };
        }
    }

    private Load() {}

    static List<Call> run(List<TestProxy> targets, String customer, int rps, Duration duration) throws Exception {
        List<Target> t = new ArrayList<>();
        for (TestProxy p : targets) {
            t.add(Target.of(p));
        }
        return run(t, List.of(customer), rps, duration);
    }

    /** As above, each target's thread sending to {@code customers} in turn. */
    static List<Call> run(List<? extends Target> targets, List<String> customers, int rps, Duration duration)
            throws Exception {
        List<Call> calls = Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(targets.size());
        long intervalNanos = TimeUnit.SECONDS.toNanos(1) / rps;
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < targets.size(); t++) {
                int target = t;
                Target p = targets.get(t);
                fs.add(pool.submit(() -> {
                    long next = System.nanoTime();
                    int sent = target; // spreads the targets' first calls over different customers
                    while (next < end) {
                        String customer = customers.get(sent++ % customers.size());
                        long now = System.nanoTime();
                        if (now < next) {
                            Thread.sleep(TimeUnit.NANOSECONDS.toMillis(next - now), (int) ((next - now) % 1_000_000));
                        }
                        long began = System.nanoTime();
                        long startMs = System.currentTimeMillis();
                        try {
                            HttpResponse<String> r = p.post("/v1/chat/completions", Fleet.chat(customer));
                            long cost = r.statusCode() == 200 ? Fleet.costNanos(r) : 0;
                            calls.add(new Call(
                                    target,
                                    customer,
                                    startMs,
                                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began),
                                    r.statusCode(),
                                    cost,
                                    r.headers().firstValue("retry-after").orElse(null),
                                    r.body().length() > 300 ? r.body().substring(0, 300) : r.body()));
                        } catch (IOException e) {
                            calls.add(new Call(
                                    target,
                                    customer,
                                    startMs,
                                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began),
                                    -1,
                                    0,
                                    null,
                                    e.toString()));
                        }
                        next += intervalNanos;
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get(duration.toSeconds() + 60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        return List.copyOf(calls);
    }

    static long okCount(List<Call> calls) {
        return calls.stream().filter(Call::ok).count();
    }

    static long okCost(List<Call> calls) {
        return calls.stream().filter(Call::ok).mapToLong(Call::costNanos).sum();
    }
}
