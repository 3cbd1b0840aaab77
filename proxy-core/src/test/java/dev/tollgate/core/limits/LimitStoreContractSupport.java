package dev.tollgate.core.limits;

import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * The fixture of the {@link LimitStore} contract suite: a fresh store and customer per test, and
 * the calls the tests make. Time is passed as {@code nowMs}, never slept.
 */
public abstract class LimitStoreContractSupport {
    /** A minute boundary, so window arithmetic in the tests is easy to read. */
    protected static final long T0 = 1_700_000_040_000L;

    protected static final long PERIOD_END = T0 + 3_600_000L;
    protected static final String DAY = "2023-11-14";

    protected LimitStore store;
    protected String customer;

    protected abstract LimitStore newStore();

    @BeforeEach
    protected void openStore() {
        store = newStore();
        customer = "cust-" + UUID.randomUUID();
    }

    @AfterEach
    protected void closeStore() {
        store.close();
    }

    // ---- helpers -------------------------------------------------------------------------

    protected static <T> T await(CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("store call failed", e);
        }
    }

    protected static CustomerLimits limits(long maxBudget, long rpm, long tpm) {
        return new CustomerLimits(maxBudget, rpm, tpm, PERIOD_END);
    }

    protected AdmitDecision admit(CustomerLimits limits, long now, long reserveNanos, long reserveTokens) {
        return await(store.admit(new AdmitRequest(customer, limits, now, reserveNanos, reserveTokens)));
    }

    protected SettleResult settle(
            AdmitDecision d, long reserveNanos, long reserveTokens, long cost, long rateTokens, String model) {
        return await(store.settle(SettleRequest.builder()
                .customerId(customer)
                .reserveNanos(reserveNanos)
                .reserveTokens(reserveTokens)
                .windowStartMs(d.windowStartMs())
                .costNanos(cost)
                .rateTokens(rateTokens)
                .day(DAY)
                .model(model)
                .promptTokens(rateTokens / 2)
                .completionTokens(rateTokens - rateTokens / 2)
                .success(true)
                .build()));
    }

    protected void seed(long spent, long periodEnd) {
        await(store.seed(customer, spent, periodEnd));
    }

    protected AccountSnapshot snapshot() {
        return await(store.snapshot(customer));
    }

    /** Reservation TTL of the expiry tests. */
    protected static final long TTL = 5 * 60_000L;

    protected AdmitDecision admitTtl(CustomerLimits limits, long now, long reserveNanos, long reserveTokens, long ttl) {
        return await(store.admit(new AdmitRequest(customer, limits, now, reserveNanos, reserveTokens, ttl)));
    }

    protected SettleRequest settleWithId(AdmitDecision d, long reserve, long cost, String sid) {
        return SettleRequest.builder()
                .customerId(customer)
                .reserveNanos(reserve)
                .reserveTokens(10)
                .windowStartMs(d.windowStartMs())
                .costNanos(cost)
                .rateTokens(4)
                .day(DAY)
                .model("m")
                .promptTokens(2)
                .completionTokens(2)
                .success(true)
                .settleId(sid)
                .build();
    }
}
