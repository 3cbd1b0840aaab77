package dev.tollgate.server.proxy;

import dev.tollgate.admin.catalog.CustomerCatalog;
import dev.tollgate.admin.catalog.CustomerPolicy;
import dev.tollgate.admin.reconcile.SpendReconciler;
import dev.tollgate.core.budget.ModelBudget;
import dev.tollgate.core.error.TollgateException;
import dev.tollgate.core.limits.AdmitDecision;
import dev.tollgate.core.limits.AdmitRequest;
import dev.tollgate.core.limits.CustomerLimits;
import dev.tollgate.core.limits.Lease;
import dev.tollgate.core.limits.LeaseBook;
import dev.tollgate.core.limits.LimitStore;
import dev.tollgate.core.limits.ModelLimits;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides, before any upstream byte is sent, whether a customer's call may go: blocked flag,
 * then one atomic admit in the limit store (budget with reservations, RPM, TPM). A store that
 * holds no account is seeded once (from the ledger plus pending spend, by the reconciler) and
 * asked again. When the store cannot be reached the configured policy decides: fail open (admit,
 * unchecked) or closed (503).
 */
public final class Admission {
    private static final Logger LOG = LoggerFactory.getLogger(Admission.class);

    private final CustomerCatalog catalog;
    private final LimitStore store;
    private final SpendReconciler reconciler;
    private final boolean failOpen;
    private final int budgetStatus;
    private final RefusalListener refusalCounter;
    private final long reservationTtlMs;
    /** This instance's slices of quota ({@code lease_slice_ms}); null: every call asks the store. */
    private final LeaseBook leases;

    /**
     * Seeds one admission may need before it gives up: the customer's account, then its model
     * entry's (each store answers one missing account at a time).
     */
    private static final int SEEDS = 2;

    private final AtomicLong catalogErrors = new AtomicLong();
    private final AtomicLong storeErrors = new AtomicLong();
    private final AtomicLong unattributed = new AtomicLong();

    /**
     * @param reconciler       seeds a missing account; notes the customers admitted for its passes
     * @param reservationTtlMs how long an unsettled reservation keeps holding budget (see
     *                         {@link AdmitRequest#reservationTtlMs()})
     */
    public Admission(
            CustomerCatalog catalog,
            LimitStore store,
            SpendReconciler reconciler,
            boolean failOpen,
            int budgetStatus,
            RefusalListener refusalCounter,
            long reservationTtlMs) {
        this(catalog, store, reconciler, failOpen, budgetStatus, refusalCounter, reservationTtlMs, null);
    }

    /** As above, admitting locally against slices of quota when {@code leases} is not null. */
    public Admission(
            CustomerCatalog catalog,
            LimitStore store,
            SpendReconciler reconciler,
            boolean failOpen,
            int budgetStatus,
            RefusalListener refusalCounter,
            long reservationTtlMs,
            LeaseBook leases) {
        this.leases = leases;
        this.reservationTtlMs = reservationTtlMs;
        this.catalog = catalog;
        this.store = store;
        this.reconciler = reconciler;
        this.failOpen = failOpen;
        this.budgetStatus = budgetStatus;
        this.refusalCounter = refusalCounter;
    }

    /** This instance's slices of quota, or null when calls always ask the store. */
    public LeaseBook leases() {
        return leases;
    }

    /** Customer policy loads (database) that failed during admission. */
    public long catalogErrors() {
        return catalogErrors.get();
    }

    /** Limit store calls that failed during admission. */
    public long storeErrors() {
        return storeErrors.get();
    }

    /** Calls that named no customer (so no budget or limit applied to them), served or refused. */
    public long unattributedCalls() {
        return unattributed.get();
    }

    /** Counts a call that names no customer: it is not admitted against any budget. */
    public void unattributed() {
        unattributed.incrementAndGet();
    }

    /** Counts a refusal decided before admission (e.g. {@link RefusalReason#AUTH} for a 401 on a completion route). */
    public void refused(RefusalReason reason) {
        refusalCounter.refusal(reason);
    }

    /** Reports a completion call answered with an error before any model answered it. */
    void refusedCall(String model, String route, boolean stream, TollgateException refusal) {
        refusalCounter.refusedCall(model, route, stream, refusal);
    }

    /**
     * Completes with a ticket, or exceptionally with the refusal to send. Never blocks.
     *
     * @param reserveNanos  worst-case cost of the call
     * @param reserveTokens tokens to hold in the TPM window
     */
    public CompletionStage<Ticket> admit(String customerId, long nowMs, long reserveNanos, long reserveTokens) {
        Reserve fixed = new Reserve(reserveNanos, reserveTokens);
        return admit(customerId, nowMs, policy -> fixed);
    }

    /**
     * What a call reserves: its worst-case cost and the tokens it holds in the TPM window, and the
     * customer's {@code model_max_budget} entry that applies to it (null: none).
     */
    public record Reserve(long nanos, long tokens, ModelBudget modelBudget) {
        public Reserve(long nanos, long tokens) {
            this(nanos, tokens, null);
        }
    }

    /**
     * Decides a call's route and reservation once its customer's policy is known (a region-bound
     * customer's route, and so its prices, depend on the policy). Runs at most once per admission,
     * on whichever thread loaded the policy; it may refuse by throwing a {@link TollgateException}.
     */
    @FunctionalInterface
    public interface Planner {
        /** @param policy the customer's policy, or null when the catalogue could not be read (fail-open) */
        Reserve plan(CustomerPolicy policy);
    }

    /** Like {@link #admit(String, long, long, long)}, with the reservation planned from the policy. */
    public CompletionStage<Ticket> admit(String customerId, long nowMs, Planner planner) {
        return catalog.policy(customerId, nowMs)
                .handle((policy, err) -> {
                    if (err != null) {
                        catalogErrors.incrementAndGet();
                        CompletionStage<Ticket> failed = planned(planner, null);
                        return failed != null ? failed : degraded(customerId, CustomerLimits.UNLIMITED, err);
                    }
                    if (policy.blocked()) {
                        refusalCounter.refusal(RefusalReason.BLOCKED);
                        return CompletableFuture.<Ticket>failedFuture(Refusals.blocked(customerId));
                    }
                    Reserve[] plan = new Reserve[1];
                    CompletionStage<Ticket> failed = planned(planner, policy, plan);
                    if (failed != null) {
                        return failed;
                    }
                    if (policy.limits().limitsParallel()) {
                        return admitInSlot(policy, nowMs, plan[0]);
                    }
                    return admitWithLimits(
                            policy,
                            nowMs,
                            plan[0].nanos(),
                            plan[0].tokens(),
                            modelLimits(policy, plan[0], nowMs),
                            SEEDS);
                })
                .thenCompose(s -> s);
    }

    /**
     * {@code max_parallel_requests}: takes an in-flight slot first, then admits. A call refused by
     * the admit gives its slot back at once, so a refusal leaves nothing taken; an admitted call
     * holds it until {@link #releaseSlot}. A separate step from the admit script, so that only
     * customers with a parallel limit pay for it.
     */
    private CompletionStage<Ticket> admitInSlot(CustomerPolicy policy, long nowMs, Reserve plan) {
        String id = policy.customerId();
        CustomerLimits limits = policy.limits();
        String slotId = CallIds.next();
        return store.acquireSlot(id, slotId, limits.maxParallel(), nowMs, reservationTtlMs)
                .handle((grant, err) -> {
                    if (err != null) {
                        storeErrors.incrementAndGet();
                        return degraded(id, limits, err);
                    }
                    if (!grant.acquired()) {
                        refusalCounter.refusal(RefusalReason.PARALLEL);
                        return CompletableFuture.<Ticket>failedFuture(Refusals.parallel(id, limits, grant.inFlight()));
                    }
                    return admitWithLimits(
                                    policy, nowMs, plan.nanos(), plan.tokens(), modelLimits(policy, plan, nowMs), SEEDS)
                            .whenComplete((t, refused) -> {
                                if (refused != null) {
                                    release(id, slotId);
                                }
                            })
                            .thenApply(t -> t.withSlot(slotId));
                })
                .thenCompose(s -> s);
    }

    /**
     * Admits again once a missing account (the customer's or a model entry's) is seeded. A failed
     * seed (database or store unreachable) falls under the failure policy like a failed admit,
     * instead of escaping as a 500.
     */
    private CompletionStage<Ticket> afterSeed(
            CompletionStage<Void> seed,
            Supplier<CompletionStage<Ticket>> admitAgain,
            String customerId,
            CustomerLimits limits) {
        return seed.handle((v, seedErr) -> seedErr != null ? degraded(customerId, limits, seedErr) : admitAgain.get())
                .thenCompose(s -> s);
    }

    /** Gives back the in-flight slot a ticket holds; called once, when its call ends, whatever way. */
    public void releaseSlot(Ticket ticket) {
        if (ticket != null && ticket.slotId() != null) {
            release(ticket.customerId(), ticket.slotId());
        }
    }

    private void release(String customerId, String slotId) {
        store.releaseSlot(customerId, slotId).whenComplete((v, err) -> {
            if (err != null) {
                storeErrors.incrementAndGet();
                LOG.warn(
                        "Could not release an in-flight slot of customer {} ({}); it expires after the reservation TTL",
                        customerId,
                        err.toString());
            }
        });
    }

    private static CompletionStage<Ticket> planned(Planner planner, CustomerPolicy policy) {
        return planned(planner, policy, new Reserve[1]);
    }

    /** Runs the planner into {@code out}; a refusal it throws becomes the admission's outcome. */
    private static CompletionStage<Ticket> planned(Planner planner, CustomerPolicy policy, Reserve[] out) {
        try {
            out[0] = planner.plan(policy);
            return null;
        } catch (TollgateException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** The limits of the call's {@code model_max_budget} entry now, or null when none applies. */
    private static ModelLimits modelLimits(CustomerPolicy policy, Reserve plan, long nowMs) {
        if (plan.modelBudget() == null || policy.modelBudgets() == null) {
            return null;
        }
        return policy.modelBudgets().limits(plan.modelBudget(), nowMs);
    }

    /**
     * One admission. A call with a model entry ({@code model} not null) is admitted per call and
     * exactly, in the store: it never uses or takes a slice of leased quota, since a slice is the
     * customer's and knows nothing of a model's budget.
     */
    private CompletionStage<Ticket> admitWithLimits(
            CustomerPolicy policy,
            long nowMs,
            long reserveNanos,
            long reserveTokens,
            ModelLimits model,
            int seedsLeft) {
        boolean mayRetryAfterSeed = seedsLeft > 0;
        String id = policy.customerId();
        CustomerLimits limits = policy.limits();
        long reserve = limits.hasBudget() || (model != null && model.hasBudget()) ? reserveNanos : 0;
        // A customer without a database row has no persisted spend to seed: the admit creates its
        // account at zero in the same script instead of a NEEDS_SEED → seed → admit round trip.
        AdmitRequest request = new AdmitRequest(
                        id,
                        limits,
                        nowMs,
                        reserve,
                        reserveTokens,
                        reservationTtlMs,
                        !policy.known() && seedsLeft == SEEDS)
                .withModel(model);
        reconciler.noteActive(id);
        if (leases != null && model == null) {
            AdmitDecision local = leases.tryLocal(id, limits, nowMs, reserve, reserveTokens);
            if (local != null) {
                return CompletableFuture.completedFuture(new Ticket(id, limits, local, reserve, reserveTokens));
            }
        }
        CompletionStage<AdmitDecision> admitted =
                model == null ? admitInStore(request, id, reserve, reserveTokens) : store.admit(request);
        return admitted.handle((decision, err) -> {
                    if (err != null) {
                        storeErrors.incrementAndGet();
                        return degraded(id, limits, err);
                    }
                    switch (decision.outcome()) {
                        case ADMITTED:
                            return CompletableFuture.completedFuture(
                                    new Ticket(id, limits, decision, reserve, reserveTokens, model));
                        case MODEL_NEEDS_SEED:
                            if (!mayRetryAfterSeed) {
                                return degraded(
                                        id,
                                        limits,
                                        new IllegalStateException(
                                                "limit store lost the model account right after seeding"));
                            }
                            return afterSeed(
                                    reconciler.seedModel(id, model, nowMs),
                                    () -> admitWithLimits(
                                            policy, nowMs, reserveNanos, reserveTokens, model, seedsLeft - 1),
                                    id,
                                    limits);
                        case MODEL_BUDGET_EXCEEDED:
                            refusalCounter.refusal(RefusalReason.MODEL_BUDGET);
                            return CompletableFuture.<Ticket>failedFuture(
                                    Refusals.modelBudget(id, decision, model, budgetStatus, nowMs));
                        case MODEL_RPM_EXCEEDED:
                            refusalCounter.refusal(RefusalReason.MODEL_RPM);
                            return CompletableFuture.<Ticket>failedFuture(
                                    Refusals.modelRate(id, decision, model, nowMs));
                        case MODEL_TPM_EXCEEDED:
                            refusalCounter.refusal(RefusalReason.MODEL_TPM);
                            return CompletableFuture.<Ticket>failedFuture(
                                    Refusals.modelRate(id, decision, model, nowMs));
                        case NEEDS_SEED:
                            if (!mayRetryAfterSeed) {
                                return degraded(
                                        id,
                                        limits,
                                        new IllegalStateException("limit store lost the account right after seeding"));
                            }
                            return afterSeed(
                                    reconciler.seed(id, nowMs),
                                    () -> admitWithLimits(
                                            policy, nowMs, reserveNanos, reserveTokens, model, seedsLeft - 1),
                                    id,
                                    limits);
                        case BUDGET_EXCEEDED:
                            refusalCounter.refusal(RefusalReason.BUDGET);
                            return CompletableFuture.<Ticket>failedFuture(
                                    Refusals.budget(id, decision, limits, budgetStatus, nowMs));
                        case RPM_EXCEEDED:
                            refusalCounter.refusal(RefusalReason.RPM);
                            return CompletableFuture.<Ticket>failedFuture(Refusals.rate(id, decision, limits, nowMs));
                        case TPM_EXCEEDED:
                        default:
                            refusalCounter.refusal(RefusalReason.TPM);
                            return CompletableFuture.<Ticket>failedFuture(Refusals.rate(id, decision, limits, nowMs));
                    }
                })
                .thenCompose(s -> s);
    }

    /** One store admission; with leases it also asks for a slice and records what was granted. */
    private CompletionStage<AdmitDecision> admitInStore(
            AdmitRequest request, String id, long reserve, long reserveTokens) {
        if (leases == null) {
            return store.admit(request);
        }
        Lease ask = leases.ask(id, reserve, reserveTokens);
        return store.admitAndLease(request, ask).handle((la, err) -> {
            if (err != null) {
                leases.failed(id, ask);
                throw err instanceof CompletionException ce ? ce : new CompletionException(err);
            }
            leases.granted(id, ask, request.limits(), la.decision(), la.granted());
            return la.decision();
        });
    }

    private CompletionStage<Ticket> degraded(String customerId, CustomerLimits limits, Throwable err) {
        Throwable cause = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
        if (cause instanceof TollgateException te) {
            return CompletableFuture.failedFuture(te);
        }
        if (failOpen) {
            LOG.warn(
                    "Limit store or catalogue unavailable ({}); admitting customer {} unchecked (fail_open)",
                    cause.toString(),
                    customerId);
            refusalCounter.refusal(RefusalReason.STORE_UNAVAILABLE_ADMITTED);
            return CompletableFuture.completedFuture(Ticket.unchecked(customerId, limits));
        }
        refusalCounter.refusal(RefusalReason.STORE_UNAVAILABLE);
        return CompletableFuture.failedFuture(Refusals.storeUnavailable());
    }
}
