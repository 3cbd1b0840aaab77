package dev.tollgate.server.proxy;

import dev.tollgate.admin.spend.SpendJournal;
import dev.tollgate.core.limits.LimitStore;
import dev.tollgate.core.limits.SettleBatcher;
import dev.tollgate.core.limits.SettleRequest;
import dev.tollgate.core.limits.SettleResult;
import dev.tollgate.core.limits.TokenRateLimitType;
import dev.tollgate.core.limits.Windows;
import dev.tollgate.core.usage.CallListener;
import dev.tollgate.core.usage.CallRecord;
import dev.tollgate.core.usage.Usage;
import java.time.Clock;
import java.time.LocalDate;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
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
    private static final long DAY_MS = 86_400_000L;

    private final LimitStore store;
    private final TokenRateLimitType tokenRateLimitType;
    private final Clock clock;
    private final List<CallListener> listeners;
    private final AtomicLong settleFailures = new AtomicLong();
    private final SpendJournal journal;
    /** Folds settles per customer when configured ({@code settle_batch_ms}); null: one settle per call. */
    private final SettleBatcher batches;
    /** Settle ids: this instance's random id plus a counter, unique across the fleet. */
    private final String instanceId = Long.toString(ThreadLocalRandom.current().nextLong() >>> 1, 36);

    private final AtomicLong settleSeq = new AtomicLong();
    /** The UTC day of the last settle, kept so that a settle formats no date. */
    private volatile Day today = new Day(Long.MIN_VALUE, "");

    /**
     * @param journal where settles the store did not confirm go (replayed later, or written to the
     *                database); null to only log them
     */
    public Settlement(
            LimitStore store,
            TokenRateLimitType tokenRateLimitType,
            List<CallListener> listeners,
            SpendJournal journal,
            Clock clock) {
        this(store, tokenRateLimitType, listeners, journal, clock, null);
    }

    /**
     * As above, folding settles with {@code batches} when not null (see {@link SettleBatcher}):
     * made with {@link #batcher}, so that a batch the store did not confirm is journaled whole.
     */
    public Settlement(
            LimitStore store,
            TokenRateLimitType tokenRateLimitType,
            List<CallListener> listeners,
            SpendJournal journal,
            Clock clock,
            SettleBatcher batches) {
        this.batches = batches;
        this.store = store;
        this.tokenRateLimitType = tokenRateLimitType;
        this.listeners = listeners;
        this.journal = journal;
        this.clock = clock;
    }

    /**
     * A batcher for {@link #Settlement(LimitStore, TokenRateLimitType, List, SpendJournal, Clock,
     * SettleBatcher)}: batches get settle ids like single settles, and one the store did not confirm
     * goes to {@code journal} whole, under its id (so its replay counts once), or is logged.
     */
    public static SettleBatcher batcher(
            LimitStore store, long intervalMs, ScheduledExecutorService scheduler, SpendJournal journal) {
        String instance = "b" + Long.toString(ThreadLocalRandom.current().nextLong() >>> 1, 36) + "-";
        AtomicLong seq = new AtomicLong();
        return new SettleBatcher(
                store,
                intervalMs,
                scheduler,
                () -> instance + Long.toString(seq.incrementAndGet(), 36),
                (batch, periodEndMs, err) -> {
                    if (journal != null) {
                        journal.add(batch, periodEndMs);
                    } else {
                        LOG.error(
                                "Could not record spend of {} nano-USD ({} calls) for customer {}: {}",
                                batch.costNanos(),
                                batch.requests(),
                                batch.customerId(),
                                err.toString());
                    }
                });
    }

    /**
     * True when a call's spend reaches the store after its response (settles are folded): the
     * response then does not wait for the settle.
     */
    public boolean deferred() {
        return batches != null;
    }

    /** The batcher, or null when settles are not folded. */
    public SettleBatcher batches() {
        return batches;
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
        long nowMs = clock.millis();
        SettleRequest request = SettleRequest.builder()
                .customerId(ticket.customerId())
                .reserveNanos(ticket.reserveNanos())
                .reserveTokens(ticket.reserveTokens())
                .windowStartMs(ticket.reserved() ? ticket.decision().windowStartMs() : Windows.start(nowMs))
                .costNanos(costNanos)
                .rateTokens(tokenRateLimitType.count(usage))
                .day(day(nowMs))
                .model(model)
                .promptTokens(usage.promptTokens())
                .completionTokens(usage.completionTokens())
                .success(success)
                .settleId(batches == null || ticket.model() != null ? settleId() : null)
                .modelBudget(
                        ticket.model() == null ? null : ticket.model().model(),
                        ticket.model() == null ? 0 : ticket.model().periodEndMs())
                .build();
        // A call with a model_max_budget entry settles on its own: the batcher folds a customer's
        // settles into one, which cannot carry each call's model entry.
        if (batches != null && ticket.model() == null) {
            // The batch carries the settle id, and the batcher journals a batch that failed.
            long periodEndMs = ticket.limits() == null ? 0 : ticket.limits().periodEndMs();
            return batches.settle(request, periodEndMs).thenApply(r -> {
                if (r == null) {
                    settleFailures.incrementAndGet();
                }
                return r;
            });
        }
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

    /** {@code YYYY-MM-DD} of {@code nowMs} in UTC, the daily aggregate's key. */
    private String day(long nowMs) {
        long start = nowMs - Math.floorMod(nowMs, DAY_MS);
        Day d = today;
        if (d.startMs() != start) {
            d = new Day(start, LocalDate.ofEpochDay(start / DAY_MS).toString());
            today = d;
        }
        return d.text();
    }

    private record Day(long startMs, String text) {}
}
