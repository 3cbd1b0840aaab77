package dev.tollgate.server.proxy;

import dev.tollgate.core.config.RouterSettings;
import dev.tollgate.core.limits.AdmissionEstimator;
import dev.tollgate.core.routing.Cooldowns;
import dev.tollgate.core.routing.DeploymentUsage;
import dev.tollgate.server.upstream.UpstreamClient;
import java.time.Clock;
import java.time.Duration;

/**
 * The shared services a call needs, wired once at start.
 *
 * @param clock  the wall clock of admissions, settles and rate-limit headers
 * @param router    retries, fallbacks and cooldowns of the calls
 * @param cooldowns deployments to skip for now
 * @param deploymentUsage deployment rpm/tpm counters; null unless routing_strategy is usage-based-routing-v2
 * @param proxyBudget the proxy-wide budget; null when none is configured
 */
record ProxyContext(
        Admission admission,
        Settlement settlement,
        UpstreamClient upstreams,
        Duration firstByteTimeout,
        AdmissionEstimator estimator,
        Clock clock,
        RouterSettings router,
        Cooldowns cooldowns,
        DeploymentUsage deploymentUsage,
        ProxyBudget proxyBudget) {}
