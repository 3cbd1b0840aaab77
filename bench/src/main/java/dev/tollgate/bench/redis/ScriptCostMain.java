package dev.tollgate.bench.redis;

import dev.tollgate.core.limits.AdmitDecision;
import dev.tollgate.core.limits.AdmitRequest;
import dev.tollgate.core.limits.CustomerLimits;
import dev.tollgate.core.limits.Lease;
import dev.tollgate.core.limits.LeaseBook;
import dev.tollgate.core.limits.LimitStore;
import dev.tollgate.core.limits.SettleBatcher;
import dev.tollgate.core.limits.SettleRequest;
import dev.tollgate.core.limits.SettleResult;
import dev.tollgate.core.limits.redis.RedisLimitStore;
import dev.tollgate.core.money.Money;
import dev.tollgate.testing.services.Programs;
import dev.tollgate.testing.services.RedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Drives a fixed load of admit + settle pairs through {@link RedisLimitStore} against a private
 * {@code redis-server} (started here on a free port), and reports Redis's own figures per chat
 * call: script calls, {@code redis.call}s inside them, script CPU ({@code INFO commandstats}) and
 * process CPU ({@code INFO cpu}, which also counts network I/O). The load is a customer far from
 * its limits, as in the bench's max-throughput points: 10 customers, {@code --inflight} calls in
 * flight, each call a settle id as a fleet instance sends it. With {@code --batch-ms B} settles are
 * folded per customer by a {@link SettleBatcher} as with {@code settle_batch_ms: B}, and a call
 * goes on without waiting for its settle, as a response does then. With {@code --lease-ms L} calls
 * are admitted against slices of quota as with {@code lease_slice_ms: L} ({@link LeaseBook}).
 *
 * <p>Usage: {@code ScriptCostMain [--calls N] [--inflight K] [--customers C] [--batch-ms B] [--lease-ms L]}
 */
public final class ScriptCostMain {
    private ScriptCostMain() {}

    public static void main(String[] args) throws Exception {
        int calls = intArg(args, "--calls", 20_000);
        int inflight = intArg(args, "--inflight", 16);
        int customers = intArg(args, "--customers", 10);
        int batchMs = intArg(args, "--batch-ms", 0);
        int leaseMs = intArg(args, "--lease-ms", 0);
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        try (RedisServer redis = RedisServer.start(Programs.installed());
                RedisLimitStore store = RedisLimitStore.connect(redis.url(), Duration.ofSeconds(5))) {
            RedisClient client = RedisClient.create(redis.url());
            try (StatefulRedisConnection<String, String> admin = client.connect()) {
                AtomicLong batchSeq = new AtomicLong();
                SettleBatcher batcher = batchMs <= 0
                        ? null
                        : new SettleBatcher(
                                store, batchMs, timer, () -> "cost-b" + batchSeq.incrementAndGet(), (b, pe, err) -> {
                                    throw new IllegalStateException("settle failed", err);
                                });
                LeaseBook leases = leaseMs <= 0 ? null : new LeaseBook(store, leaseMs);
                Load load = new Load(store, batcher, leases, customers);
                load.run(Math.max(1, calls / 10), inflight); // warm-up: accounts, script cache, JIT
                admin.sync().configResetstat();
                double cpuBefore = cpuSeconds(admin.sync().info("cpu"));
                long t0 = System.nanoTime();
                load.run(calls, inflight);
                long elapsedNs = System.nanoTime() - t0;
                double cpuAfter = cpuSeconds(admin.sync().info("cpu"));
                Map<String, long[]> stats = commandStats(admin.sync().info("commandstats"));
                System.out.println("batch_ms=" + batchMs + " lease_ms=" + leaseMs);
                report(calls, inflight, customers, elapsedNs, (cpuAfter - cpuBefore) * 1e6, stats);
            } finally {
                client.shutdown();
                timer.shutdownNow();
            }
        }
    }

    private static void report(
            int calls, int inflight, int customers, long elapsedNs, double cpuUs, Map<String, long[]> stats) {
        long scriptCalls = 0;
        long scriptUs = 0;
        long innerCalls = 0;
        for (Map.Entry<String, long[]> e : stats.entrySet()) {
            String cmd = e.getKey();
            if (cmd.equals("evalsha") || cmd.equals("eval")) {
                scriptCalls += e.getValue()[0];
                scriptUs += e.getValue()[1];
            } else if (!cmd.equals("info") && !cmd.equals("config|resetstat")) {
                innerCalls += e.getValue()[0];
            }
        }
        long[] evalsha = stats.getOrDefault("evalsha", new long[2]);
        System.out.printf(
                Locale.ROOT,
                "calls=%d inflight=%d customers=%d elapsed_ms=%d%n"
                        + "script_calls_per_call=%.2f evalsha_usec_per_call=%.2f redis_calls_in_scripts_per_call=%.1f%n"
                        + "script_usec_per_call=%.2f redis_cpu_usec_per_call=%.2f%n",
                calls,
                inflight,
                customers,
                elapsedNs / 1_000_000,
                (double) scriptCalls / calls,
                evalsha[0] == 0 ? 0.0 : (double) evalsha[1] / evalsha[0],
                (double) innerCalls / calls,
                (double) scriptUs / calls,
                cpuUs / calls);
        System.out.println("commandstats (calls, usec):");
        stats.forEach((k, v) -> System.out.printf(Locale.ROOT, "  %-12s %9d %10d%n", k, v[0], v[1]));
    }

    /** Keeps {@code inflight} admit + settle pairs going until {@code total} have completed. */
    private static final class Load {
        private final LimitStore store;
        private final SettleBatcher batcher;
        private final LeaseBook leases;
        private final List<CompletableFuture<?>> folded = new ArrayList<>();
        private final String[] ids;
        private final CustomerLimits limits;
        private final AtomicInteger settleSeq = new AtomicInteger();

        Load(LimitStore store, SettleBatcher batcher, LeaseBook leases, int customers) {
            this.store = store;
            this.batcher = batcher;
            this.leases = leases;
            this.ids = new String[customers];
            for (int i = 0; i < customers; i++) {
                ids[i] = "cost-" + i;
            }
            long big = 1_000_000_000L;
            this.limits = new CustomerLimits(big * Money.NANOS_PER_USD, big, big * 1000, 0);
        }

        void run(int total, int inflight) {
            AtomicInteger started = new AtomicInteger();
            CompletableFuture<?>[] chains = new CompletableFuture<?>[inflight];
            for (int i = 0; i < inflight; i++) {
                chains[i] = chain(started, total);
            }
            CompletableFuture.allOf(chains).join();
            if (batcher != null) {
                batcher.flush().toCompletableFuture().join();
                List<CompletableFuture<?>> all;
                synchronized (folded) {
                    all = new ArrayList<>(folded);
                    folded.clear();
                }
                CompletableFuture.allOf(all.toArray(CompletableFuture<?>[]::new))
                        .join();
            }
        }

        /** One of the {@code inflight} sequences of calls; a loop, since local admissions complete at once. */
        private CompletableFuture<Void> chain(AtomicInteger started, int total) {
            CompletableFuture<Void> done = new CompletableFuture<>();
            step(started, total, done);
            return done;
        }

        private void step(AtomicInteger started, int total, CompletableFuture<Void> done) {
            while (true) {
                int n = started.getAndIncrement();
                if (n >= total) {
                    done.complete(null);
                    return;
                }
                CompletableFuture<?> f = one(ids[n % ids.length]).toCompletableFuture();
                if (!f.isDone() || f.isCompletedExceptionally()) {
                    f.whenComplete((x, e) -> {
                        if (e != null) {
                            done.completeExceptionally(e);
                        } else {
                            step(started, total, done);
                        }
                    });
                    return;
                }
            }
        }

        /** As the proxy's admission: against this instance's slice when one fits, else in the store. */
        private CompletionStage<AdmitDecision> admit(AdmitRequest r) {
            if (leases == null) {
                return store.admit(r);
            }
            AdmitDecision local =
                    leases.tryLocal(r.customerId(), r.limits(), r.nowMs(), r.reserveNanos(), r.reserveTokens());
            if (local != null) {
                return CompletableFuture.completedFuture(local);
            }
            Lease ask = leases.ask(r.customerId(), r.reserveNanos(), r.reserveTokens());
            return store.admitAndLease(r, ask).thenApply(la -> {
                leases.granted(r.customerId(), ask, r.limits(), la.decision(), la.granted());
                return la.decision();
            });
        }

        private CompletionStage<?> one(String id) {
            long now = System.currentTimeMillis();
            AdmitRequest admit =
                    new AdmitRequest(id, limits, now, 100_000, 64, LimitStore.DEFAULT_RESERVATION_TTL_MS, true);
            return admit(admit).thenCompose(d -> {
                if (d.outcome() != AdmitDecision.Outcome.ADMITTED) {
                    throw new IllegalStateException("refused: " + d.outcome());
                }
                SettleRequest settle = SettleRequest.builder()
                        .customerId(id)
                        .reserveNanos(100_000)
                        .reserveTokens(64)
                        .windowStartMs(d.windowStartMs())
                        .costNanos(40_000)
                        .rateTokens(45)
                        .day("2026-01-01")
                        .model("gpt-3.5-turbo")
                        .promptTokens(25)
                        .completionTokens(20)
                        .success(true)
                        .settleId(batcher == null ? "cost-" + Integer.toString(settleSeq.incrementAndGet(), 36) : null)
                        .build();
                if (batcher == null) {
                    return store.settle(settle);
                }
                CompletableFuture<SettleResult> later =
                        batcher.settle(settle, 0).toCompletableFuture();
                synchronized (folded) {
                    folded.add(later);
                }
                return CompletableFuture.completedFuture(null);
            });
        }
    }

    /** {@code cmdstat_<name>:calls=..,usec=..} lines -> name -> {calls, usec}. */
    static Map<String, long[]> commandStats(String info) {
        Map<String, long[]> out = new HashMap<>();
        for (String line : info.split("\r?\n")) {
            if (!line.startsWith("cmdstat_")) {
                continue;
            }
            int colon = line.indexOf(':');
            String name = line.substring("cmdstat_".length(), colon);
            long[] v = new long[2];
            for (String kv : line.substring(colon + 1).split(",")) {
                String[] p = kv.split("=");
                if (p[0].equals("calls")) {
                    v[0] = Long.parseLong(p[1]);
                } else if (p[0].equals("usec")) {
                    v[1] = Long.parseLong(p[1]);
                }
            }
            out.put(name, v);
        }
        return out;
    }

    private static double cpuSeconds(String info) {
        double sum = 0;
        for (String line : info.split("\r?\n")) {
            if (line.startsWith("used_cpu_sys:") || line.startsWith("used_cpu_user:")) {
                sum += Double.parseDouble(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        return sum;
    }

    private static int intArg(String[] args, String name, int dflt) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals(name)) {
                return Integer.parseInt(args[i + 1]);
            }
        }
        return dflt;
    }
}
