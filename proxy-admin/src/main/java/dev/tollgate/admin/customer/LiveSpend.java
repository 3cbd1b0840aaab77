package dev.tollgate.admin.customer;

import dev.tollgate.core.limits.AccountSnapshot;
import dev.tollgate.core.limits.LimitStore;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The spend {@code /customer/info} shows: current, not as of the last flush. Upstream's info lags
 * by a batch interval (acceptance tests had to poll); here the limit store answers for what the
 * database does not know yet. Blocking is acceptable: the admin API runs on a JDBC thread.
 */
public final class LiveSpend {
    private static final Logger LOG = LoggerFactory.getLogger(LiveSpend.class);
    private static final long TIMEOUT_MS = 1_000;

    private final LimitStore limits;

    public LiveSpend(LimitStore limits) {
        this.limits = limits;
    }

    /**
     * The store's committed period spend when it holds an account (0 once that period has ended,
     * since the store resets lazily at the next admit); otherwise the persisted spend plus spend
     * still pending persistence. An unreachable store falls back to the persisted spend.
     */
    /** Whether the store holds an account or unflushed spend for a customer the database lacks. */
    public boolean seen(String id) {
        try {
            AccountSnapshot s = limits.snapshot(id).toCompletableFuture().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            // An account holding no spend is no evidence: a deleted customer's account stays behind, zeroed.
            if (s.present() && s.spentNanos() > 0) {
                return true;
            }
            Long pending = limits.pendingNanos(id).toCompletableFuture().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            return pending != null && pending > 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Zeroes a deleted customer's spend in the limit store, so an id used again starts from nothing
     * (as its database row does) instead of inheriting the deleted customer's period spend. Spend
     * still pending persistence is left alone: it is the record of calls made. Best effort.
     */
    public void forget(String id) {
        try {
            limits.resetSpend(id, 0).toCompletableFuture().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            LOG.warn(
                    "Limit store unreachable while deleting customer {}; its spend there is kept: {}",
                    id,
                    e.toString());
        }
    }

    /** Calls of the customer in flight now (its {@code max_parallel_requests} slots), or null when the store does not answer. */
    public Long inFlight(String id, long nowMs) {
        try {
            return limits.inFlight(id, nowMs).toCompletableFuture().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            return null;
        }
    }

    /**
     * The current spend of each model entry (key → its period end now), as {@link #current} does
     * for the customer: the store's model account when it is in that period (settled spend,
     * flushed or not), otherwise the persisted row plus the spend pending for that period. An
     * unreachable store falls back to the persisted figures.
     */
    public Map<String, Long> modelSpend(String id, Map<String, Long> periods, Map<String, Long> persisted, long nowMs) {
        Map<String, Long> out = new LinkedHashMap<>();
        for (Map.Entry<String, Long> e : periods.entrySet()) {
            String model = e.getKey();
            long periodEnd = e.getValue();
            long stored = persisted.getOrDefault(model, 0L);
            try {
                AccountSnapshot s =
                        limits.modelSnapshot(id, model).toCompletableFuture().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
                if (s.present() && s.periodEndMs() == periodEnd && (periodEnd == 0 || nowMs < periodEnd)) {
                    out.put(model, s.spentNanos());
                    continue;
                }
                long pending = limits.pendingModelNanos(id, model, periodEnd)
                        .toCompletableFuture()
                        .get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
                out.put(model, stored + pending);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                out.put(model, stored);
            } catch (ExecutionException | TimeoutException | RuntimeException ex) {
                LOG.warn(
                        "Limit store unreachable for the model spend of {}; showing persisted spend: {}",
                        id,
                        ex.toString());
                out.put(model, stored);
            }
        }
        return out;
    }

    public long current(CustomerRow row, long nowMs) {
        String id = row.userId();
        try {
            AccountSnapshot s = limits.snapshot(id).toCompletableFuture().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            if (s.present()) {
                boolean periodOver = s.periodEndMs() > 0 && nowMs >= s.periodEndMs();
                return periodOver ? 0 : s.spentNanos();
            }
            Long pending = limits.pendingNanos(id).toCompletableFuture().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            return row.spendNanos() + (pending == null ? 0 : pending);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return row.spendNanos();
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            LOG.warn("Limit store unreachable for /customer/info of {}; showing persisted spend: {}", id, e.toString());
            return row.spendNanos();
        }
    }
}
