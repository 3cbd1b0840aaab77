package dev.tollgate.server.proxy;

import dev.tollgate.core.customer.CustomerIdResolver;
import dev.tollgate.core.error.ErrorKind;
import dev.tollgate.core.error.TollgateException;
import dev.tollgate.server.auth.MasterKeyAuth;
import dev.tollgate.server.http.Exchange;
import dev.tollgate.server.http.Route;
import io.netty.handler.codec.http.FullHttpRequest;
import java.util.Map;

/**
 * {@code POST /chat/completions}, {@code /embeddings} (with and without {@code /v1}) and
 * {@code /v1/messages}: auth,
 * body checks, customer id, deployment, then a {@link ProxyCall}. Everything here is synchronous
 * and cheap; the call itself continues asynchronously.
 */
public final class CompletionRoute implements Route {
    private final CompletionRequest.Kind kind;
    private final MasterKeyAuth auth;
    private final CustomerIdResolver customers;
    private final DeploymentSelector deployments;
    private final ProxyContext context;
    private final CustomerIdPolicy policy;

    CompletionRoute(
            CompletionRequest.Kind kind,
            MasterKeyAuth auth,
            CustomerIdResolver customers,
            DeploymentSelector deployments,
            ProxyContext context,
            CustomerIdPolicy policy) {
        this.kind = kind;
        this.auth = auth;
        this.customers = customers;
        this.deployments = deployments;
        this.context = context;
        this.policy = policy;
    }

    @Override
    public void handle(FullHttpRequest http, Exchange exchange) {
        if (kind == CompletionRequest.Kind.MESSAGES) {
            exchange.useAnthropicErrors(); // Anthropic's SDKs read their own error shape
        }
        CompletionRequest request = null;
        try {
            String keyHash;
            try {
                keyHash = auth.check(http.headers());
            } catch (TollgateException e) {
                context.admission().refused(RefusalReason.AUTH);
                throw e;
            }
            request = CompletionRequest.parse(kind, http.content());
            String customerId = customerOf(http, request);
            if (kind == CompletionRequest.Kind.MESSAGES
                    && !deployments.select(request.model()).speaksMessages()) {
                // Refused before admission: nothing is reserved for a call that cannot be relayed.
                throw new TollgateException(
                        ErrorKind.INVALID_REQUEST, ProxyCall.notAnthropic(request.model()), "model");
            }
            AttemptPlan plan = plan(request);
            new ProxyCall(context, exchange, request, deployments, plan, customerId, keyHash).start();
        } catch (TollgateException e) {
            // Counted with the configured model only: a client's free text never becomes a label.
            String model =
                    request != null && deployments.modelNames().contains(request.model()) ? request.model() : null;
            context.admission().refusedCall(model, kind.route(), request != null && request.stream(), e);
            release(request);
            throw e;
        } catch (RuntimeException | Error e) {
            release(request);
            throw e;
        }
    }

    /** The deployments the call may try, in order; a 429 when every one of them is cooling down. */
    private AttemptPlan plan(CompletionRequest request) {
        try {
            return new AttemptPlan(
                    deployments, context.router(), context.cooldowns(), context.clock(), request.model());
        } catch (TollgateException e) {
            if (e.kind() == ErrorKind.RATE_LIMITED) {
                context.admission().refused(RefusalReason.NO_DEPLOYMENTS);
            }
            throw e;
        }
    }

    /** Idempotent: a call that already started may have released the body itself. */
    private static void release(CompletionRequest request) {
        if (request != null) {
            request.release();
        }
    }

    private String customerOf(FullHttpRequest http, CompletionRequest request) {
        if (policy.enforceUserParam()
                && !request.hasUser()
                && !(policy.safetyIdentifierCounts() && request.hasSafetyIdentifier())) {
            context.admission().refused(RefusalReason.AUTH);
            throw new TollgateException(
                    ErrorKind.AUTHENTICATION,
                    "Authentication Error, 'user' param not passed in. 'enforce_user_param'=True",
                    "None",
                    401,
                    Map.of());
        }
        String customerId = null;
        if (policy.track()) {
            customerId = customers.resolve(http.headers()::get, request.identityFields());
            if (customerId == null) {
                context.admission().unattributed();
                if (policy.required()) {
                    context.admission().refused(RefusalReason.NO_CUSTOMER);
                    throw policy.missing();
                }
            }
        }
        return customerId;
    }
}
