package dev.tollgate.server.proxy;

import dev.tollgate.admin.catalog.CustomerPolicy;
import dev.tollgate.core.budget.ModelBudget;
import dev.tollgate.core.budget.ModelBudgets;
import dev.tollgate.core.config.RoutingWeight;
import dev.tollgate.core.error.ErrorKind;
import dev.tollgate.core.error.TollgateException;
import dev.tollgate.core.limits.AdmissionEstimator;
import dev.tollgate.core.limits.SettleResult;
import dev.tollgate.core.money.ModelPrice;
import dev.tollgate.core.money.Money;
import dev.tollgate.core.routing.AttemptFailure;
import dev.tollgate.core.routing.DeploymentUsage;
import dev.tollgate.core.routing.RetryDelay;
import dev.tollgate.core.usage.CallRecord;
import dev.tollgate.core.usage.Usage;
import dev.tollgate.server.http.Exchange;
import dev.tollgate.server.http.Headers;
import dev.tollgate.server.proxy.RelayOutcome.Answered;
import dev.tollgate.server.proxy.RelayOutcome.Broken;
import dev.tollgate.server.proxy.RelayOutcome.Failed;
import dev.tollgate.server.proxy.RelayOutcome.Refused;
import dev.tollgate.server.proxy.RelayOutcome.Rejected;
import dev.tollgate.server.upstream.UpstreamCall;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.util.AsciiString;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One proxied call from admission to settlement: admit, then answer (mock) or send upstream
 * through a {@link Relay}, one per attempt (its {@link AttemptPlan} decides retries and
 * fallbacks; only the attempt that answered is billed), then settle and publish its
 * {@link CallRecord}. All state changes
 * happen on the client connection's event loop; asynchronous results (admission, settle) hop back
 * onto it, so no field needs to be volatile. Whatever way the call ends (answered, upstream
 * failure, client gone), it ends exactly once, in {@link #finish}: what the call holds is released
 * there, then it settles.
 */
final class ProxyCall implements RelayedCall, ChannelFutureListener {
    private static final Logger LOG = LoggerFactory.getLogger(ProxyCall.class);
    private static final AsciiString RESPONSE_COST = AsciiString.cached("x-litellm-response-cost");
    private static final AsciiString MODEL_ID = AsciiString.cached("x-litellm-model-id");
    private static final AsciiString MODEL_GROUP = AsciiString.cached("x-litellm-model-group");
    private static final AsciiString CALL_ID = AsciiString.cached("x-litellm-call-id");
    private static final AsciiString MODEL_REGION = AsciiString.cached("x-litellm-model-region");
    private static final AsciiString ATTEMPTED_RETRIES = AsciiString.cached("x-litellm-attempted-retries");
    private static final AsciiString ATTEMPTED_FALLBACKS = AsciiString.cached("x-litellm-attempted-fallbacks");
    /** Sent (as {@code true}) once the customer's period spend has reached its {@code soft_budget}. */
    static final AsciiString SOFT_BUDGET_EXCEEDED = AsciiString.cached("x-litellm-soft-budget-exceeded");

    private static final Runnable NOTHING_TO_SEND = () -> {};

    private final ProxyContext env;
    private final Exchange exchange;
    private final CompletionRequest request;
    /** The attempts: which deployment and model group now, and what comes after a failure. */
    private final AttemptPlan plan;

    private final DeploymentSelector deployments;
    /** The deployment of the current attempt (re-chosen by {@link #route} for a customer bound to a region). */
    private ResolvedDeployment deployment;

    private final String customerId;
    private final String apiKeyHash;
    private final EventLoop loop;
    private final long startedNanos = System.nanoTime();
    private final String requestId = CallIds.next();
    private long upstreamStartedNanos;
    private Ticket ticket;
    /** The proxy-wide budget's hold on this call; null without one. */
    private Ticket proxyTicket;

    private UpstreamCall upstream;
    private Relay relay;
    /** The call watches the client connection. */
    private boolean holding;
    /** The current attempt holds a place in its deployment's in-flight count. */
    private boolean attemptHolding;
    /** The next attempt, waiting for its backoff; null otherwise. */
    private ScheduledFuture<?> retryTimer;
    /** usage-based-routing-v2: the attempt is taking a place in a deployment's minute. */
    private boolean acquiring;
    /** usage-based-routing-v2: the deployment whose minute counts the current attempt; null when none. */
    private String usageDeployment;

    private long usageWindow;
    /** The tokens the current attempt reserved in {@link #usageDeployment}'s minute. */
    private long usageReserved;

    private boolean settled;
    /** Answered by the built-in mock instead of an upstream. */
    private boolean mocked;

    ProxyCall(
            ProxyContext env,
            Exchange exchange,
            CompletionRequest request,
            DeploymentSelector deployments,
            AttemptPlan plan,
            String customerId,
            String apiKeyHash) {
        this.env = env;
        this.exchange = exchange;
        this.request = request;
        this.deployments = deployments;
        this.plan = plan;
        this.deployment = plan.current();
        this.customerId = customerId;
        this.apiKeyHash = apiKeyHash;
        this.loop = exchange.channel().eventLoop();
    }

    void start() {
        ProxyBudget budget = env.proxyBudget();
        if (budget == null) {
            admitCustomer(null);
            return;
        }
        AdmissionEstimator.Estimate worst = worstCase();
        onLoop(budget.admit(env.clock().millis(), worst.costNanos()), (t, err) -> {
            if (err != null) {
                request.release();
                exchange.error(err);
                return;
            }
            proxyTicket = t;
            admitCustomer(worst);
        });
    }

    /** Admits the customer's call ({@code worst} is computed here when null), then dispatches it. */
    private void admitCustomer(AdmissionEstimator.Estimate computed) {
        if (customerId == null) {
            dispatch(null);
            return;
        }
        AdmissionEstimator.Estimate worst = computed != null ? computed : worstCase();
        onLoop(env.admission().admit(customerId, env.clock().millis(), policy -> route(policy, worst)), (t, err) -> {
            if (err != null) {
                request.release();
                if (unwrap(err) instanceof TollgateException refusal) {
                    env.admission().refusedCall(request.model(), request.kind().route(), request.stream(), refusal);
                }
                if (proxyTicket != null) {
                    env.proxyBudget().settle(proxyTicket, 0, env.clock().millis());
                }
                exchange.error(err);
                return;
            }
            dispatch(t);
        });
    }

    /**
     * Routes a region-bound customer ({@code allowed_model_region}) to a deployment in its region
     * or to its {@code default_model}, pinning the call there (no retry or fallback may leave the
     * region), and sizes the reservation at that deployment's prices; any other call reserves
     * {@code worst}. Runs before anything is sent, possibly off the event loop; the admission's
     * completion publishes the fields it sets to the loop.
     */
    private Admission.Reserve route(CustomerPolicy policy, AdmissionEstimator.Estimate worst) {
        if (policy != null && policy.allowedRegion() != null) {
            DeploymentSelector.Routed routed =
                    deployments.inRegion(request.model(), policy.allowedRegion(), policy.defaultModel());
            deployment = routed.deployment();
            plan.pin(routed.modelGroup(), routed.deployment());
            AdmissionEstimator.Estimate pinned = env.estimator()
                    .estimate(
                            request.bodyBytes(),
                            request.maxTokens(),
                            request.kind() != CompletionRequest.Kind.EMBEDDING,
                            deployment.config().price());
            return new Admission.Reserve(pinned.costNanos(), pinned.windowTokens(), modelBudget(policy));
        }
        return new Admission.Reserve(worst.costNanos(), worst.windowTokens(), modelBudget(policy));
    }

    /**
     * The customer's {@code model_max_budget} entry for this call, chosen against the model group
     * the client named (see {@link ModelBudgets#entryFor}); a fallback to another group keeps it.
     */
    private ModelBudget modelBudget(CustomerPolicy policy) {
        if (policy == null || policy.modelBudgets() == null) {
            return null;
        }
        List<ResolvedDeployment> members = deployments.members(plan.requestedGroup());
        List<String> providerModels = new ArrayList<>(members.size());
        for (ResolvedDeployment d : members) {
            providerModels.add(d.config().provider() + "/" + d.config().upstreamModel());
        }
        return policy.modelBudgets().entryFor(request.model(), providerModels);
    }

    private static Throwable unwrap(Throwable err) {
        Throwable t = err;
        while (t instanceof java.util.concurrent.CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /**
     * The reservation covers the whole call: the most expensive deployment it may reach, its
     * retries and fallbacks included (only one attempt is ever billed).
     */
    private AdmissionEstimator.Estimate worstCase() {
        AdmissionEstimator.Estimate worst = null;
        ModelPrice seen = null;
        for (ResolvedDeployment d : plan.reachable()) {
            ModelPrice price = d.config().price();
            if (price.equals(seen)) {
                continue;
            }
            seen = price;
            AdmissionEstimator.Estimate e = env.estimator()
                    .estimate(
                            request.bodyBytes(),
                            request.maxTokens(),
                            request.kind() != CompletionRequest.Kind.EMBEDDING,
                            price);
            if (worst == null || e.costNanos() > worst.costNanos()) {
                worst = e;
            }
        }
        return worst;
    }

    private void dispatch(Ticket granted) {
        this.ticket = granted;
        if (!exchange.channel().isActive()) {
            finish(Usage.ZERO, CallRecord.Outcome.CLIENT_CANCELLED, 499, NOTHING_TO_SEND);
            return;
        }
        String mockText = request.mockResponse() != null
                ? request.mockResponse()
                : deployment.config().mockResponse();
        if (mockText != null) {
            // The mock stands in for the upstream: its answer time is the upstream time, labelled as mock.
            mocked = true;
            upstreamStartedNanos = System.nanoTime();
            MockResponder.answer(this, exchange, request, mockText);
            return;
        }
        hold();
        attempt();
    }

    /**
     * Starts the current attempt: with usage-based-routing-v2, first takes a place in the minute of
     * the least used candidate deployment still under its rpm/tpm (the call is refused when none
     * is); then sends.
     */
    private void attempt() {
        retryTimer = null;
        DeploymentUsage usage = env.deploymentUsage();
        if (usage == null) {
            send();
            return;
        }
        long window = DeploymentUsage.windowStart(env.clock().millis());
        List<ResolvedDeployment> order = new ArrayList<>(plan.candidates());
        // Least tokens first, then fewest requests; ties keep config order.
        order.sort(Comparator.comparingLong((ResolvedDeployment d) ->
                        usage.usage(d.config().id(), window).tokens())
                .thenComparingLong(d -> usage.usage(d.config().id(), window).requests()));
        long reserve = env.estimator()
                .estimate(
                        request.bodyBytes(),
                        request.maxTokens(),
                        request.kind() != CompletionRequest.Kind.EMBEDDING,
                        order.get(0).config().price())
                .promptTokens();
        acquiring = true;
        acquire(usage, order, 0, window, reserve);
    }

    /** Tries {@code order} from {@code i} on: the first deployment that admits the call serves it. */
    private void acquire(DeploymentUsage usage, List<ResolvedDeployment> order, int i, long window, long reserve) {
        if (i == order.size()) {
            acquiring = false;
            refuseNoDeployment(window);
            return;
        }
        ResolvedDeployment d = order.get(i);
        RoutingWeight limits = d.config().routing();
        String id = d.config().id();
        onLoop(usage.tryAcquire(id, window, limits.rpm(), limits.tpm(), reserve), (ok, err) -> {
            boolean admitted = err == null && Boolean.TRUE.equals(ok);
            if (settled) {
                // The client left while the place was being taken: the request counts, its tokens do not.
                if (admitted) {
                    usage.settle(id, window, reserve, 0);
                }
                return;
            }
            if (!admitted) {
                acquire(usage, order, i + 1, window, reserve);
                return;
            }
            acquiring = false;
            usageDeployment = id;
            usageWindow = window;
            usageReserved = reserve;
            plan.use(d);
            deployment = d;
            send();
        });
    }

    /**
     * Every candidate deployment is at its rpm/tpm: LiteLLM's 429 "No deployments available". The
     * call ends with nothing charged (its settle releases the customer's reservation).
     */
    private void refuseNoDeployment(long window) {
        long now = env.clock().millis();
        TollgateException refusal = Refusals.noDeploymentsUnderLimits(
                plan.group(),
                deployments.members(plan.group()),
                env.cooldowns(),
                now,
                window + DeploymentUsage.WINDOW_MS);
        env.admission().refused(RefusalReason.NO_DEPLOYMENTS);
        env.admission().refusedCall(request.model(), request.kind().route(), request.stream(), refusal);
        TollgateException error = plan.retries() + plan.fallbacks() > 0 ? withAttempts(refusal) : refusal;
        finish(Usage.ZERO, CallRecord.Outcome.UPSTREAM_FAILED, 429, () -> exchange.error(error));
    }

    /** Replaces the current attempt's token reservation in its deployment's minute by what it used. */
    private void settleUsage(Usage usage) {
        if (usageDeployment != null) {
            env.deploymentUsage().settle(usageDeployment, usageWindow, usageReserved, usage.totalTokens());
            usageDeployment = null;
        }
    }

    /** Sends the current attempt upstream, translated for its deployment, through a new relay. */
    private void send() {
        FullHttpRequest upstreamRequest;
        try {
            upstreamRequest = upstreamRequest();
        } catch (TollgateException untranslatable) {
            finish(
                    Usage.ZERO,
                    CallRecord.Outcome.UPSTREAM_FAILED,
                    untranslatable.status(),
                    () -> exchange.error(untranslatable));
            return;
        }
        attemptHolding = true;
        deployment.inFlight().incrementAndGet();
        relay = relay();
        upstreamStartedNanos = System.nanoTime();
        upstream = env.upstreams()
                .send(
                        loop,
                        deployment.target(),
                        upstreamRequest,
                        relay,
                        env.firstByteTimeout(),
                        deployment.config().timeout());
    }

    /**
     * The request for the deployment, translated when it speaks another wire format.
     *
     * @throws TollgateException (400) when the call cannot be expressed in the deployment's wire format
     */
    private FullHttpRequest upstreamRequest() {
        if (deployment.anthropic() && request.kind() == CompletionRequest.Kind.EMBEDDING) {
            throw new TollgateException(
                    ErrorKind.INVALID_REQUEST,
                    "model '" + request.model() + "' is served by Anthropic, which has no embeddings endpoint",
                    "model");
        }
        if (request.kind() == CompletionRequest.Kind.MESSAGES && !deployment.speaksMessages()) {
            // A region-bound customer may be routed to another provider's model, which /v1/messages cannot reach.
            throw new TollgateException(
                    ErrorKind.INVALID_REQUEST, notAnthropic(deployment.config().modelName()), "model");
        }
        return deployment.upstreamRequest(
                request, customerId, exchange.channel().alloc());
    }

    /** Why {@code POST /v1/messages} cannot call {@code model}. */
    static String notAnthropic(String model) {
        return "model '" + model + "' is not an anthropic/ deployment; /v1/messages serves those only (call other"
                + " models at /v1/chat/completions)";
    }

    private Relay relay() {
        if (deployment.anthropic()) {
            // Inbound Messages API calls are relayed as they are; chat completions are translated.
            boolean passThrough = request.kind() == CompletionRequest.Kind.MESSAGES;
            return request.stream()
                    ? new AnthropicSseRelay(this, exchange, request.clientWantsUsage(), env.clock(), passThrough)
                    : new AnthropicJsonRelay(this, exchange, env.clock(), passThrough);
        }
        return request.stream()
                ? new SseRelay(this, exchange, request.clientWantsUsage())
                : new JsonRelay(this, exchange);
    }

    private void hold() {
        holding = true;
        exchange.channel().closeFuture().addListener(this);
    }

    /** Gives back the current attempt's place in its deployment's in-flight count. */
    private void endAttempt() {
        if (attemptHolding) {
            attemptHolding = false;
            deployment.inFlight().decrementAndGet();
        }
    }

    /** Releases what {@link #hold()} and the attempt took; runs once, when the call ends. */
    private void release() {
        endAttempt();
        if (holding) {
            holding = false;
            exchange.channel().closeFuture().removeListener(this);
        }
    }

    /**
     * The client connection closed before the call ended: stop the upstream and charge what it
     * produced; a call waiting to retry produced nothing.
     */
    @Override
    public void operationComplete(ChannelFuture closed) {
        if (settled) {
            return;
        }
        if (retryTimer != null) {
            retryTimer.cancel(false);
            retryTimer = null;
            finish(Usage.ZERO, CallRecord.Outcome.CLIENT_CANCELLED, 499, NOTHING_TO_SEND);
        } else if (acquiring) {
            finish(Usage.ZERO, CallRecord.Outcome.CLIENT_CANCELLED, 499, NOTHING_TO_SEND);
        } else if (upstream != null) {
            upstream.cancel();
            finish(relay.abandon(), CallRecord.Outcome.CLIENT_CANCELLED, 499, NOTHING_TO_SEND);
        }
    }

    @Override
    public void end(RelayOutcome outcome) {
        endAttempt();
        if (outcome instanceof Answered a) {
            finish(a.usage(), CallRecord.Outcome.OK, 200, a.sendLast());
        } else if (outcome instanceof Broken b) {
            // Part of the answer reached the client: never retried, billed for what it produced.
            finish(b.usage(), CallRecord.Outcome.UPSTREAM_FAILED, 200, b.sendLast());
        } else if (outcome instanceof Failed f) {
            if (retry(UpstreamErrors.classify(f.cause()), -1)) {
                return;
            }
            TollgateException error = withAttempts(UpstreamErrors.of(f.cause()));
            finish(Usage.ZERO, CallRecord.Outcome.UPSTREAM_FAILED, 502, () -> exchange.error(error));
        } else if (outcome instanceof Refused r) {
            long retryAfterMs = RetryDelay.requestedMillis(
                    r.head().headers()::get, env.clock().millis());
            if (retry(UpstreamErrors.classify(r.head().status().code(), r.body()), retryAfterMs)) {
                r.body().release();
                return;
            }
            answerRefusal(r.head(), r.body());
        } else if (outcome instanceof Rejected r) {
            finish(Usage.ZERO, CallRecord.Outcome.UPSTREAM_FAILED, r.error().status(), () -> exchange.error(r.error()));
        }
    }

    /**
     * Starts the next attempt (now, or after its backoff) when the plan has one. Nothing has reached
     * the client yet: a relay reports {@link Failed} or {@link Refused} only before its answer starts.
     */
    private boolean retry(AttemptFailure failure, long retryAfterMs) {
        if (!exchange.channel().isActive()) {
            return false;
        }
        // The failed attempt's request still counts in its deployment's minute, its tokens do not.
        settleUsage(Usage.ZERO);
        AttemptPlan.Next next = plan.next(failure, retryAfterMs);
        if (next == null) {
            return false;
        }
        deployment = next.deployment();
        if (next.delayMs() <= 0) {
            attempt();
        } else {
            retryTimer = loop.schedule(this::attempt, next.delayMs(), TimeUnit.MILLISECONDS);
        }
        return true;
    }

    /** An upstream error answer: passed through when OpenAI-shaped, else a 502 quoting it. */
    private void answerRefusal(HttpResponse head, ByteBuf body) {
        int status = head.status().code();
        if (UpstreamErrors.isOpenAiError(body)) {
            FullHttpResponse res = UpstreamErrors.passThrough(head, body);
            putAttempts(res.headers());
            finish(Usage.ZERO, CallRecord.Outcome.UPSTREAM_FAILED, status, () -> exchange.full(res));
        } else {
            TollgateException error = withAttempts(UpstreamErrors.wrap(status, body));
            body.release();
            finish(Usage.ZERO, CallRecord.Outcome.UPSTREAM_FAILED, 502, () -> exchange.error(error));
        }
    }

    /** The model group that answered (or failed last) and how many retries and fallbacks it took. */
    private void putAttempts(HttpHeaders h) {
        h.set(MODEL_GROUP, plan.group());
        h.set(ATTEMPTED_RETRIES, Integer.toString(plan.retries()));
        h.set(ATTEMPTED_FALLBACKS, Integer.toString(plan.fallbacks()));
    }

    private TollgateException withAttempts(TollgateException e) {
        Map<String, String> headers = new HashMap<>(e.headers());
        headers.put(MODEL_GROUP.toString(), plan.group());
        headers.put(ATTEMPTED_RETRIES.toString(), Integer.toString(plan.retries()));
        headers.put(ATTEMPTED_FALLBACKS.toString(), Integer.toString(plan.fallbacks()));
        return new TollgateException(e.kind(), e.getMessage(), e.param(), e.status(), headers);
    }

    @Override
    public HttpHeaders answerHeaders(Usage usage) {
        HttpHeaders h = Headers.outgoing();
        if (usage != null) {
            h.set(RESPONSE_COST, Money.format(cost(usage)));
        }
        h.set(MODEL_ID, deployment.config().id());
        putAttempts(h);
        h.set(CALL_ID, requestId);
        if (deployment.config().regionName() != null) {
            h.set(MODEL_REGION, deployment.config().regionName());
        }
        if (ticket != null && ticket.reserved()) {
            if (ticket.limits().hasSoftBudget()
                    && ticket.decision().spentNanos() >= ticket.limits().softBudgetNanos()) {
                // The spend committed when the call was admitted: headers leave before this call settles.
                h.set(SOFT_BUDGET_EXCEEDED, "true");
            }
            RateLimitHeaders.put(
                    h::set, ticket.limits(), ticket.decision(), env.clock().millis());
            if (usage != null && ticket.limits().tpmLimit() >= 0) {
                // The window after settle, which replaces the reservation by the real count.
                long windowTokens = ticket.decision().windowTokens()
                        - ticket.reserveTokens()
                        + env.estimator().tokenRateLimitType().count(usage);
                String value = Long.toString(Math.max(0, ticket.limits().tpmLimit() - windowTokens));
                h.set(RateLimitHeaders.END_USER_REMAINING_TOKENS, value);
                h.set(RateLimitHeaders.REMAINING_TOKENS, value);
            }
        }
        return h;
    }

    @Override
    public Usage estimate(String completionText) {
        return new Usage(Tokens.prompt(request), Tokens.text(request.model(), completionText), 0, true);
    }

    private long cost(Usage usage) {
        return deployment
                .config()
                .price()
                .cost(usage.promptTokens(), usage.completionTokens(), usage.cachedTokens(), usage.cacheWriteTokens());
    }

    /**
     * Ends the call once: releases what it holds, settles, then runs {@code sendLast} (the last
     * bytes to the client) on the event loop, so a client that reads its spend right after the
     * response sees it; with folded settles ({@code settle_batch_ms}) it sends at once instead and
     * publishes the call record when its batch landed. A second end only sends.
     */
    private void finish(Usage usage, CallRecord.Outcome outcome, int status, Runnable sendLast) {
        if (settled) {
            sendLast.run();
            return;
        }
        settled = true;
        release();
        settleUsage(usage);
        // The customer's in-flight slot comes back at the call's end: last byte, upstream failure,
        // timeout or client disconnect all end here.
        env.admission().releaseSlot(ticket);
        request.release(); // nothing reads the body after this point: usage is known
        long costNanos = cost(usage);
        long upstreamEndedNanos = System.nanoTime();
        if (proxyTicket != null) {
            env.proxyBudget().settle(proxyTicket, costNanos, env.clock().millis());
        }
        CompletionStage<SettleResult> recorded =
                env.settlement().settle(ticket, plan.group(), usage, costNanos, outcome == CallRecord.Outcome.OK);
        boolean deferred = env.settlement().deferred();
        if (deferred) {
            // Settles are folded per customer (settle_batch_ms): the response does not wait for one.
            sendLast.run();
        }
        onLoop(recorded, (settle, err) -> {
            if (!deferred) {
                sendLast.run();
            }
            env.settlement().publish(record(usage, costNanos, outcome, status, upstreamEndedNanos, settle));
        });
    }

    private CallRecord record(
            Usage usage,
            long costNanos,
            CallRecord.Outcome outcome,
            int status,
            long upstreamEndedNanos,
            SettleResult settle) {
        boolean upstreamCalled = upstream != null;
        long firstByteNanos = upstreamCalled && upstream.firstByteNanos() > 0
                ? upstream.firstByteNanos() - startedNanos
                : mocked ? upstreamEndedNanos - startedNanos : 0;
        return CallRecord.builder()
                .requestId(requestId)
                .customerId(customerId)
                .modelGroup(plan.group())
                .deploymentModel(deployment.config().upstreamModel())
                .route(request.kind().route())
                .stream(request.stream())
                .usage(usage)
                .costNanos(costNanos)
                .outcome(outcome)
                .status(status)
                .startedNanos(startedNanos)
                .upstreamNanos(upstreamCalled || mocked ? upstreamEndedNanos - upstreamStartedNanos : 0)
                .totalNanos(System.nanoTime() - startedNanos)
                .firstByteNanos(firstByteNanos)
                .mock(mocked)
                .apiKeyHash(apiKeyHash)
                .maxBudgetNanos(
                        ticket != null && ticket.limits() != null
                                ? ticket.limits().maxBudgetNanos()
                                : -1)
                .periodSpendNanos(settle != null ? settle.spentNanos() : -1)
                .periodEndMs(settle != null ? settle.periodEndMs() : 0)
                .softBudgetNanos(
                        ticket != null && ticket.limits() != null
                                ? ticket.limits().softBudgetNanos()
                                : -1)
                .build();
    }

    /**
     * Runs {@code action} on this call's event loop: inline when already there and done, or when
     * the stage completes on this loop (a Redis store replies on the loop that sent the command).
     */
    private <T> void onLoop(CompletionStage<T> stage, BiConsumer<T, Throwable> action) {
        var f = stage.toCompletableFuture();
        if (f.isDone() && loop.inEventLoop()) {
            T value = null;
            Throwable err = null;
            try {
                value = f.join();
            } catch (RuntimeException e) {
                err = e;
            }
            action.accept(value, err);
            return;
        }
        f.whenComplete((v, e) -> {
            if (loop.inEventLoop()) {
                try {
                    action.accept(v, e);
                } catch (RuntimeException bug) {
                    // A completion callback would swallow it; the event loop would have logged it.
                    LOG.error("Unexpected failure continuing call {}", requestId, bug);
                }
            } else {
                loop.execute(() -> action.accept(v, e));
            }
        });
    }
}
