package dev.tollgate.server.proxy;

import dev.tollgate.core.limits.SettleResult;
import dev.tollgate.core.money.ModelPrice;
import dev.tollgate.core.money.Money;
import dev.tollgate.core.usage.CallRecord;
import dev.tollgate.core.usage.Usage;
import dev.tollgate.server.http.Exchange;
import dev.tollgate.server.http.Headers;
import dev.tollgate.server.upstream.UpstreamCall;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One proxied call from admission to settlement. All state changes happen on the client
 * connection's event loop; asynchronous results (admission, settle) hop back onto it. Whatever
 * way the call ends (success, upstream failure, client gone), it settles exactly once.
 */
final class ProxyCall {
    private static final Logger LOG = LoggerFactory.getLogger(ProxyCall.class);
    private static final AsciiString RESPONSE_COST = AsciiString.cached("x-litellm-response-cost");
    private static final AsciiString MODEL_ID = AsciiString.cached("x-litellm-model-id");
    private static final AsciiString MODEL_GROUP = AsciiString.cached("x-litellm-model-group");
    private static final AsciiString CALL_ID = AsciiString.cached("x-litellm-call-id");
    private static final AsciiString MODEL_REGION = AsciiString.cached("x-litellm-model-region");

    private final ProxyContext env;
    private final Exchange exchange;
    private final CompletionRequest request;
    private final ResolvedDeployment deployment;
    private final String customerId;
    private final String apiKeyHash;
    private final EventLoop loop;
    private final long startedNanos = System.nanoTime();
    private long upstreamStartedNanos;
    private final String requestId = CallIds.next();
    private Ticket ticket;
    private UpstreamCall upstream;
    private Relay relay;
    private boolean settled;
    private ChannelFutureListener clientGone;

    ProxyCall(
            ProxyContext env,
            Exchange exchange,
            CompletionRequest request,
            ResolvedDeployment deployment,
            String customerId,
            String apiKeyHash) {
        this.env = env;
        this.exchange = exchange;
        this.request = request;
        this.deployment = deployment;
        this.customerId = customerId;
        this.apiKeyHash = apiKeyHash;
        this.loop = exchange.channel().eventLoop();
    }

    void start() {
        if (customerId == null) {
            dispatch(null);
            return;
        }
        ModelPrice price = deployment.config().price();
        long promptEstimate = request.bodyBytes() / 3 + 1;
        long maxOut = request.maxTokens() > 0
                ? request.maxTokens()
                : price.maxOutputTokens() > 0 ? price.maxOutputTokens() : env.defaultReserveTokens();
        long reserveNanos = request.kind() == CompletionRequest.Kind.EMBEDDING
                ? price.cost(promptEstimate, 0, 0)
                : price.cost(promptEstimate, maxOut, 0);
        long reserveTokens = switch (env.tokenRateLimitType()) {
            case "input" -> promptEstimate;
            case "total" -> promptEstimate + maxOut;
            default -> request.kind() == CompletionRequest.Kind.EMBEDDING ? 0 : maxOut;
        };
        onLoop(env.admission().admit(customerId, System.currentTimeMillis(), reserveNanos, reserveTokens), (t, err) -> {
            if (err != null) {
                exchange.error(err);
                return;
            }
            dispatch(t);
        });
    }

    private void dispatch(Ticket granted) {
        this.ticket = granted;
        if (!exchange.channel().isActive()) {
            finish(Usage.ZERO, CallRecord.Outcome.CLIENT_CANCELLED, 499, () -> {});
            return;
        }
        String mockText = request.mockResponse() != null
                ? request.mockResponse()
                : deployment.config().mockResponse();
        if (mockText != null) {
            respondWithMock(mockText);
            return;
        }
        deployment.inFlight().incrementAndGet();
        clientGone = f -> onClientGone();
        exchange.channel().closeFuture().addListener(clientGone);
        FullHttpRequest upstreamRequest = buildUpstreamRequest();
        relay = request.stream() ? new SseRelay(this, exchange, request) : new JsonRelay(this, exchange);
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

    UpstreamCall upstream() {
        return upstream;
    }

    private void onClientGone() {
        if (upstream != null && !settled) {
            upstream.cancel();
            relay.clientGone();
        }
    }

    private FullHttpRequest buildUpstreamRequest() {
        // Ask for exact usage on streams; the relay drops the usage-only chunk the client did not ask for.
        byte[] bytes = request.upstreamBody(deployment.modelMember(), request.stream() && !request.clientWantsUsage());
        FullHttpRequest r = new DefaultFullHttpRequest(
                HttpVersion.HTTP_1_1,
                HttpMethod.POST,
                deployment.path(request.kind()),
                Unpooled.wrappedBuffer(bytes),
                Headers.OUTGOING,
                Headers.OUTGOING_TRAILERS);
        HttpHeaders h = r.headers();
        h.set(HttpHeaderNames.HOST, deployment.target().hostHeader());
        h.set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        h.setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
        h.set(HttpHeaderNames.ACCEPT, request.stream() ? "text/event-stream" : "application/json");
        h.set(HttpHeaderNames.USER_AGENT, "tollgate");
        if (deployment.authValue() != null) {
            h.set(deployment.authHeader(), deployment.authValue());
        }
        return r;
    }

    private void respondWithMock(String text) {
        String model = request.model();
        if (request.kind() == CompletionRequest.Kind.EMBEDDING) {
            Usage usage = new Usage(Tokens.text(model, request.input().toString()), 0, 0, true);
            byte[] body = MockResponder.embedding(model, usage);
            finish(usage, CallRecord.Outcome.OK, 200, () -> exchange.json(200, body, responseHeaders(usage)));
            return;
        }
        Usage usage = new Usage(Tokens.prompt(model, request.messages()), Tokens.text(model, text), 0, true);
        if (!request.stream()) {
            byte[] body = MockResponder.completion(model, text, usage);
            finish(usage, CallRecord.Outcome.OK, 200, () -> exchange.json(200, body, responseHeaders(usage)));
            return;
        }
        HttpHeaders headers = responseHeaders(usage);
        headers.set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream");
        headers.set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
        exchange.startStream(HttpResponseStatus.OK, headers);
        List<byte[]> events = MockResponder.streamEvents(model, text, usage, request.clientWantsUsage());
        for (byte[] e : events) {
            exchange.writeChunkLater(Unpooled.wrappedBuffer(e));
        }
        exchange.flush();
        finish(usage, CallRecord.Outcome.OK, 200, exchange::endStream);
    }

    long cost(Usage usage) {
        return deployment.config().price().cost(usage.promptTokens(), usage.completionTokens(), usage.cachedTokens());
    }

    /** Headers every successful answer carries: cost, model identity, the customer's rate limits. */
    HttpHeaders responseHeaders(long costNanos) {
        HttpHeaders h = Headers.outgoing();
        h.set(RESPONSE_COST, Money.format(costNanos));
        h.set(MODEL_ID, deployment.config().id());
        h.set(MODEL_GROUP, request.model());
        h.set(CALL_ID, requestId);
        if (deployment.config().regionName() != null) {
            h.set(MODEL_REGION, deployment.config().regionName());
        }
        if (ticket != null && ticket.reserved()) {
            RateLimitHeaders.put(h::set, ticket.limits(), ticket.decision(), System.currentTimeMillis());
        }
        return h;
    }

    /**
     * As {@link #responseHeaders(long)}, for a call whose usage is known: the token headers show
     * the window after settle replaced the reservation by the real count, not the reservation.
     */
    HttpHeaders responseHeaders(Usage usage) {
        HttpHeaders h = responseHeaders(cost(usage));
        if (ticket != null && ticket.reserved() && ticket.limits().tpmLimit() >= 0) {
            long rateTokens = env.settlement().rateTokens(usage);
            long used = ticket.decision().windowTokens() - ticket.reserveTokens() + rateTokens;
            String value = Long.toString(Math.max(0, ticket.limits().tpmLimit() - used));
            h.set(RateLimitHeaders.END_USER_REMAINING_TOKENS, value);
            h.set(RateLimitHeaders.REMAINING_TOKENS, value);
        }
        return h;
    }

    /** Estimated usage when the upstream never reported it (stream cut, usage missing). */
    Usage estimate(String completionText) {
        String model = request.model();
        long prompt = request.kind() == CompletionRequest.Kind.CHAT
                ? Tokens.prompt(model, request.messages())
                : Tokens.text(model, String.valueOf(request.input()));
        return new Usage(prompt, Tokens.text(model, completionText), 0, true);
    }

    /**
     * Settles the call once, then runs {@code sendFinal} (the last bytes to the client) on the
     * event loop, so a client that reads its spend right after the response sees it.
     */
    void finish(Usage usage, CallRecord.Outcome outcome, int status, Runnable sendFinal) {
        if (settled) {
            sendFinal.run();
            return;
        }
        settled = true;
        if (clientGone != null) {
            exchange.channel().closeFuture().removeListener(clientGone);
            deployment.inFlight().decrementAndGet();
        }
        long costNanos = cost(usage);
        boolean success = outcome == CallRecord.Outcome.OK;
        long upstreamEnded = System.nanoTime();
        CompletionStage<SettleResult> recorded =
                env.settlement().settle(ticket, request.model(), usage, costNanos, success);
        onLoop(recorded, (settle, err) -> {
            sendFinal.run();
            long now = System.nanoTime();
            long upstreamNanos = upstream != null ? upstreamEnded - upstreamStartedNanos : 0;
            long firstByte =
                    upstream != null && upstream.firstByteNanos() > 0 ? upstream.firstByteNanos() - startedNanos : 0;
            long maxBudget =
                    ticket != null && ticket.limits() != null ? ticket.limits().maxBudgetNanos() : -1;
            env.settlement()
                    .publish(new CallRecord(
                            requestId,
                            customerId,
                            request.model(),
                            deployment.config().upstreamModel(),
                            request.kind() == CompletionRequest.Kind.CHAT ? "/chat/completions" : "/embeddings",
                            request.stream(),
                            usage,
                            costNanos,
                            outcome,
                            status,
                            startedNanos,
                            upstreamNanos,
                            now - startedNanos,
                            apiKeyHash,
                            firstByte,
                            maxBudget,
                            settle != null ? settle.spentNanos() : -1,
                            settle != null ? settle.periodEndMs() : 0));
        });
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
