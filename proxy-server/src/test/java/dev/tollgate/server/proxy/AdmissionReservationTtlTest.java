package dev.tollgate.server.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.admin.catalog.CustomerCatalog;
import dev.tollgate.admin.catalog.CustomerPolicy;
import dev.tollgate.admin.reconcile.SpendReconciler;
import dev.tollgate.core.limits.CustomerLimits;
import dev.tollgate.core.limits.InProcessLimitStore;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Admission hands the configured reservation TTL to the limit store. */
class AdmissionReservationTtlTest {
    private static final long T0 = 1_700_000_040_000L; // a minute boundary
    private static final long PERIOD_END = T0 + 86_400_000L;
    private static final long BUDGET = 1_000;

    private static final class FixedCatalog implements CustomerCatalog {
        @Override
        public CompletionStage<CustomerPolicy> policy(String customerId, long nowMs) {
            return CompletableFuture.completedFuture(
                    new CustomerPolicy(customerId, true, false, "b", new CustomerLimits(BUDGET, -1, -1, PERIOD_END)));
        }

        @Override
        public CompletionStage<Ledger> ledger(String customerId, String batchId, long nowMs) {
            return CompletableFuture.completedFuture(new Ledger(0, PERIOD_END, false));
        }

        @Override
        public void invalidate(String customerId) {}

        @Override
        public void invalidateAll() {}
    }

    private static boolean admitted(Admission a, long nowMs) throws Exception {
        CompletableFuture<Ticket> t = a.admit("c1", nowMs, BUDGET, 0).toCompletableFuture();
        try {
            t.get(5, TimeUnit.SECONDS);
            return true;
        } catch (ExecutionException refused) {
            return false;
        }
    }

    @Test
    void anUnsettledReservationHoldsTheBudgetForTheConfiguredTtlOnly() throws Exception {
        long ttlMs = 120_000;
        try (InProcessLimitStore store = new InProcessLimitStore()) {
            FixedCatalog catalog = new FixedCatalog();
            SpendReconciler reconciler = new SpendReconciler(catalog, store, Duration.ofHours(1), Clock.systemUTC());
            Admission admission = new Admission(catalog, store, reconciler, true, 400, reason -> {}, ttlMs);

            assertThat(admitted(admission, T0)).isTrue(); // reserves the whole budget, never settled
            assertThat(admitted(admission, T0 + 60_000 + ttlMs - 1))
                    .as("still held")
                    .isFalse();
            assertThat(admitted(admission, T0 + 60_000 + ttlMs)).as("expired").isTrue();
        }
    }
}
