package dev.tollgate.bench.jmh;

import dev.tollgate.core.limits.AdmitDecision;
import dev.tollgate.core.limits.AdmitRequest;
import dev.tollgate.core.limits.CustomerLimits;
import dev.tollgate.core.limits.InProcessLimitStore;
import dev.tollgate.core.limits.SettleRequest;
import dev.tollgate.core.money.Money;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The in-process limit store's per-call work, admit then settle, cycling over 10 or 100,000
 * customers (the second shows what many distinct accounts cost: map size, cache misses).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class LimitStoreBenchmark {
    @Param({"10", "100000"})
    public int customers;

    private InProcessLimitStore store;
    private CustomerLimits limits;
    private String[] ids;
    private int next;
    private long now;

    @Setup(Level.Trial)
    public void setUp() {
        store = new InProcessLimitStore();
        limits = new CustomerLimits(1_000_000_000L * Money.NANOS_PER_USD, 1_000_000_000L, 1_000_000_000_000L, 0);
        now = System.currentTimeMillis();
        ids = new String[customers];
        for (int i = 0; i < customers; i++) {
            ids[i] = "cust-" + i;
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        store.close();
    }

    @Benchmark
    public Object admitSettle() {
        String id = ids[next];
        next = next + 1 == ids.length ? 0 : next + 1;
        AdmitDecision d = store.admit(new AdmitRequest(id, limits, now, 100_000, 64))
                .toCompletableFuture()
                .join();
        if (d.outcome() == AdmitDecision.Outcome.NEEDS_SEED) {
            store.seed(id, 0, 0).toCompletableFuture().join();
            d = store.admit(new AdmitRequest(id, limits, now, 100_000, 64))
                    .toCompletableFuture()
                    .join();
        }
        return store.settle(SettleRequest.builder()
                        .customerId(id)
                        .reserveNanos(100_000)
                        .reserveTokens(64)
                        .windowStartMs(d.windowStartMs())
                        .costNanos(40_000)
                        .rateTokens(20)
                        .day("2026-01-01")
                        .model("gpt-3.5-turbo")
                        .promptTokens(25)
                        .completionTokens(20)
                        .success(true)
                        .build())
                .toCompletableFuture()
                .join();
    }
}
