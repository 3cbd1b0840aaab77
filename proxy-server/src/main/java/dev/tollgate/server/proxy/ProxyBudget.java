package dev.tollgate.server.proxy;

import dev.tollgate.core.config.ProxyBudgetSettings;
import dev.tollgate.core.error.ErrorKind;
import dev.tollgate.core.error.TollgateException;
import dev.tollgate.core.limits.AccountSnapshot;
import dev.tollgate.core.limits.AdmitDecision;
import dev.tollgate.core.limits.AdmitRequest;
import dev.tollgate.core.limits.CustomerLimits;
import dev.tollgate.core.limits.LimitStore;
import dev.tollgate.core.limits.SettleRequest;
import dev.tollgate.core.limits.Windows;
import dev.tollgate.core.money.PythonFloat;
import java.time.Instant;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * LiteLLM's proxy-wide budget ({@code litellm_settings.max_budget}, {@code budget_duration}): the
 * spend of every call, with or without a customer, in one account of the limit store, admitted
 * with the same reservation as a customer's budget, so concurrent calls cannot overshoot it beyond
 * the estimate error of the calls in flight. Its spend is counted in the store only (settled as
 * already persisted, so the flusher writes no customer row for it): with Redis it is shared by the
 * fleet and survives restarts of instances; in-process it starts from zero with the process.
 */
public final class ProxyBudget {
    private static final Logger LOG = LoggerFactory.getLogger(ProxyBudget.class);

    /** The store account; the control character keeps it apart from every customer id (they may hold none). */
    static final String ACCOUNT = "\u0001proxy-budget";

    private final LimitStore store;
    private final ProxyBudgetSettings settings;
    private final ZoneId zone;
    private final int status;
    private final boolean failOpen;
    private final long reservationTtlMs;
    private final Consumer<RefusalReason> refusals;
    /** End of the current period, recomputed when it passes; 0 when the budget never resets. */
    private volatile long periodEndMs = -1;

    public ProxyBudget(
            LimitStore store,
            ProxyBudgetSettings settings,
            ZoneId zone,
            int status,
            boolean failOpen,
            long reservationTtlMs,
            Consumer<RefusalReason> refusals) {
        this.store = store;
        this.settings = settings;
        this.zone = zone;
        this.status = status;
        this.failOpen = failOpen;
        this.reservationTtlMs = reservationTtlMs;
        this.refusals = refusals;
    }

    private long periodEnd(long nowMs) {
        if (settings.duration() == null) {
            return 0;
        }
        long end = periodEndMs;
        if (end <= nowMs) {
            end = settings.duration()
                    .nextReset(Instant.ofEpochMilli(nowMs), zone)
                    .toEpochMilli();
            periodEndMs = end;
        }
        return end;
    }

    /** The cap in nano-USD. */
    public long maxBudgetNanos() {
        return settings.maxBudgetNanos();
    }

    /** The proxy-wide spend and reservations as the limit store holds them (absent before the first call). */
    public CompletionStage<AccountSnapshot> snapshot() {
        return store.snapshot(ACCOUNT);
    }

    /** Holds {@code reserveNanos} of the proxy budget, or fails with LiteLLM's refusal. */
    CompletionStage<Ticket> admit(long nowMs, long reserveNanos) {
        CustomerLimits limits = new CustomerLimits(settings.maxBudgetNanos(), -1, -1, periodEnd(nowMs));
        return store.admit(new AdmitRequest(ACCOUNT, limits, nowMs, reserveNanos, 0, reservationTtlMs, true))
                .handle((d, err) -> {
                    if (err != null) {
                        if (failOpen) {
                            LOG.warn(
                                    "Limit store unavailable ({}); proxy budget not checked (fail_open)",
                                    err.toString());
                            return CompletableFuture.completedFuture(Ticket.unchecked(ACCOUNT, limits));
                        }
                        refusals.accept(RefusalReason.STORE_UNAVAILABLE);
                        return CompletableFuture.<Ticket>failedFuture(Refusals.storeUnavailable());
                    }
                    if (d.outcome() == AdmitDecision.Outcome.BUDGET_EXCEEDED) {
                        refusals.accept(RefusalReason.PROXY_BUDGET);
                        return CompletableFuture.<Ticket>failedFuture(refusal(d, limits, nowMs));
                    }
                    return CompletableFuture.completedFuture(new Ticket(ACCOUNT, limits, d, reserveNanos, 0));
                })
                .thenCompose(s -> s);
    }

    /** LiteLLM's default BudgetExceededError text, the one its proxy budget raises. */
    private TollgateException refusal(AdmitDecision d, CustomerLimits limits, long nowMs) {
        String message = "Budget has been exceeded! Current cost: " + PythonFloat.of(d.spentNanos()) + ", Max budget: "
                + PythonFloat.of(limits.maxBudgetNanos());
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("x-should-retry", "false");
        if (limits.periodEndMs() > 0) {
            headers.put("retry-after", Long.toString(Math.max(1, (limits.periodEndMs() - nowMs + 999) / 1000)));
        }
        return new TollgateException(ErrorKind.BUDGET_EXCEEDED, message, null, status, headers);
    }

    /** Replaces the reservation by the call's real cost (0 for a call that was refused or failed). */
    void settle(Ticket ticket, long costNanos, long nowMs) {
        SettleRequest request = SettleRequest.builder()
                .customerId(ACCOUNT)
                .reserveNanos(ticket.reserveNanos())
                .windowStartMs(ticket.reserved() ? ticket.decision().windowStartMs() : Windows.start(nowMs))
                .costNanos(costNanos)
                .day("")
                .model("")
                .success(true)
                .persisted(true)
                .build();
        store.settle(request).whenComplete((r, err) -> {
            if (err != null) {
                // The reservation expires on its own; the spend is missing from the proxy budget only.
                LOG.warn("Could not record {} nano-USD against the proxy budget: {}", costNanos, err.toString());
            }
        });
    }
}
