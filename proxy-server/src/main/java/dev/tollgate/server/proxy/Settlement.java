package dev.tollgate.server.proxy;

import dev.tollgate.admin.spend.SpendJournal;
import dev.tollgate.core.limits.LimitStore;
import dev.tollgate.core.limits.SettleRequest;
import dev.tollgate.core.limits.SettleResult;
import dev.tollgate.core.usage.CallListener;
import dev.tollgate.core.usage.CallRecord;
import dev.tollgate.core.usage.Usage;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a finished call into spend: replaces the reservation by the real cost and tokens in the
 * limit store (which also queues the spend for the database) and tells the listeners (metrics,
 * webhooks). Runs once per call.
 */
public final class Settlement {
    private static final Logger LOG = LoggerFactory.getLogger(Settlement.class);
    private static final DateTimeFormatter DAY = DateTimeFormatter.ISO_LOCAL_DATE.withZone(ZoneOffset.UTC);

    private final LimitStore store;
    private final String tokenRateLimitType;
    private final List<CallListener> listeners;
    private final AtomicLong settleFailures = new AtomicLong();
    private final SpendJournal journal;
    /** Settle ids: this instance's random id plus a counter, unique across the fleet. */
    private final String instanceId = Long.toString(ThreadLocalRandom.current().nextLong() >>> 1, 36);

    private final AtomicLong settleSeq = new AtomicLong();

    public Settlement(LimitStore store, String tokenRateLimitType, List<CallListener> listeners) {
        this(store, tokenRateLimitType, listeners, null);
    }

    /**
     * @param journal where settles the store did not confirm go (replayed later, or written to the
     *                database); null to only log them
     */
    public Settlement(LimitStore store, String tokenRateLimitType, List<CallListener> listeners, SpendJournal journal) {
        this.store = store;
        this.tokenRateLimitType = tokenRateLimitType;
        this.listeners = listeners;
        this.journal = journal;
    }

    /**
     * A settle id makes a journaled settle safe to replay. A store that always answers (the
     * in-process one) never has a settle replayed, so it is spared keeping the ids.
     */
    private String settleId() {
        return journal == null || !store.outcomeCanBeUnknown()
                ? null
                : instanceId + "-" + Long.toString(settleSeq.incrementAndGet(), 36);
    }

    /**
     * Completes when the spend is recorded (or recording failed and was logged); never fails.
     * Yields the customer's period spend after the settle, or null when unknown.
     */
    public CompletionStage<SettleResult> settle(
            Ticket ticket, String model, Usage usage, long costNanos, boolean success) {
        if (ticket == null || ticket.customerId() == null) {
            return CompletableFuture.completedFuture(null);
        }
        long nowMs = System.currentTimeMillis();
        long windowStart = ticket.reserved() ? ticket.decision().windowStartMs() : nowMs - nowMs % 60_000;
        SettleRequest request = new SettleRequest(
                ticket.customerId(),
                ticket.reserveNanos(),
                ticket.reserveTokens(),
                windowStart,
                costNanos,
                rateTokens(usage),
                DAY.format(Instant.ofEpochMilli(nowMs)),
                model,
                usage.promptTokens(),
                usage.completionTokens(),
                success,
                settleId(),
                false);
        return store.settle(request).handle((r, err) -> {
            if (err != null) {
                settleFailures.incrementAndGet();
                if (journal != null) {
                    // Maybe applied, maybe not (a timeout): the settle id makes the replay safe.
                    journal.add(request, ticket.limits().periodEndMs());
                    LOG.debug(
                            "Spend of {} nano-USD for customer {} journaled: {}",
                            costNanos,
                            ticket.customerId(),
                            err.toString());
                } else {
                    LOG.error(
                            "Could not record spend of {} nano-USD for customer {}: {}",
                            costNanos,
                            ticket.customerId(),
                            err.toString());
                }
                return null;
            }
            return r;
        });
    }

    public void publish(CallRecord record) {
        for (CallListener l : listeners) {
            try {
                l.onCall(record);
            } catch (RuntimeException e) {
                LOG.warn("Call listener {} failed: {}", l.getClass().getSimpleName(), e.toString());
            }
        }
    }

    public long settleFailures() {
        return settleFailures.get();
    }

    /** Tokens a call counts against TPM, per {@code token_rate_limit_type}. */
    long rateTokens(Usage u) {
        return switch (tokenRateLimitType) {
            case "input" -> u.promptTokens();
            case "total" -> u.totalTokens();
            default -> u.completionTokens();
        };
    }
}
