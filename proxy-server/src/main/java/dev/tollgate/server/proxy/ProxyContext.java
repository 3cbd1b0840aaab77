package dev.tollgate.server.proxy;

import dev.tollgate.server.upstream.UpstreamClient;
import java.time.Duration;

/** The shared services a call needs, wired once at start. */
record ProxyContext(
        Admission admission,
        Settlement settlement,
        UpstreamClient upstreams,
        Duration firstByteTimeout,
        long defaultReserveTokens,
        String tokenRateLimitType) {}
