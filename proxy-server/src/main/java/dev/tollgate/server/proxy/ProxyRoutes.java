package dev.tollgate.server.proxy;

import dev.tollgate.core.config.TollgateConfig;
import dev.tollgate.core.customer.CustomerIdResolver;
import dev.tollgate.core.limits.AdmissionEstimator;
import dev.tollgate.core.routing.Cooldowns;
import dev.tollgate.core.routing.DeploymentUsage;
import dev.tollgate.server.auth.MasterKeyAuth;
import dev.tollgate.server.http.Router;
import dev.tollgate.server.upstream.UpstreamClient;
import io.netty.handler.codec.http.HttpMethod;
import java.time.Clock;

/** Registers the OpenAI-compatible routes and Anthropic's {@code /v1/messages}. */
public final class ProxyRoutes {
    private ProxyRoutes() {}

    public static void register(
            Router router,
            TollgateConfig config,
            MasterKeyAuth auth,
            DeploymentSelector deployments,
            Admission admission,
            Settlement settlement,
            UpstreamClient upstreams,
            Cooldowns cooldowns,
            DeploymentUsage deploymentUsage,
            ProxyBudget proxyBudget,
            Clock clock) {
        var general = config.general();
        ProxyContext ctx = new ProxyContext(
                admission,
                settlement,
                upstreams,
                general.readTimeout(),
                new AdmissionEstimator(general.defaultReserveTokens(), general.tokenRateLimitType()),
                clock,
                config.router(),
                cooldowns,
                deploymentUsage,
                proxyBudget);
        CustomerIdResolver resolver = new CustomerIdResolver(general.customerHeaders(), general.customerIdSources());
        CustomerIdPolicy policy = CustomerIdPolicy.of(
                !config.litellm().disableEndUserCostTracking(),
                general.enforceUserParam(),
                general.requireCustomerId(),
                general.customerIdSources());
        CompletionRoute chat =
                new CompletionRoute(CompletionRequest.Kind.CHAT, auth, resolver, deployments, ctx, policy);
        CompletionRoute embeddings =
                new CompletionRoute(CompletionRequest.Kind.EMBEDDING, auth, resolver, deployments, ctx, policy);
        router.add(
                HttpMethod.POST,
                "/v1/messages",
                new CompletionRoute(CompletionRequest.Kind.MESSAGES, auth, resolver, deployments, ctx, policy));
        for (String prefix : new String[] {"", "/v1"}) {
            router.add(HttpMethod.POST, prefix + "/chat/completions", chat);
            router.add(HttpMethod.POST, prefix + "/embeddings", embeddings);
            router.add(HttpMethod.GET, prefix + "/models", new ModelsRoute(auth, deployments));
        }
    }
}
