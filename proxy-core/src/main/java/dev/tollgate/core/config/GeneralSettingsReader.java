package dev.tollgate.core.config;

import com.fasterxml.jackson.databind.node.TextNode;
import dev.tollgate.core.customer.CustomerIdSource;
import dev.tollgate.core.limits.TokenRateLimitType;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/** Reads {@code general_settings} (plus {@code router_settings.routing_strategy}) with LiteLLM's env fallbacks. */
final class GeneralSettingsReader {
    static final Duration DEFAULT_BATCH_WRITE = Duration.ofSeconds(10);
    static final String DEFAULT_ROUTING = "simple-shuffle";
    static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(600);

    private static final Set<String> KEYS = Set.of(
            "master_key",
            "database_url",
            "redis_url",
            "alerting",
            "alert_types",
            "webhook_url",
            "webhook_secret",
            "proxy_batch_write_at",
            "user_header_name",
            "user_header_mappings",
            "enforce_user_param",
            "token_rate_limit_type",
            "budget_exceeded_status",
            "default_reserve_tokens",
            "fail_open",
            "redis_key_prefix",
            "max_request_body_bytes",
            "upstream_connect_timeout",
            "upstream_read_timeout",
            "request_timeout",
            "client_idle_timeout",
            "shutdown_drain_timeout",
            "webhook_thresholds",
            "webhook_retry_base_ms",
            "webhook_max_attempts",
            "webhook_queue_capacity",
            "webhook_timeout",
            "redis_command_timeout_ms",
            "reservation_ttl_seconds",
            "customer_id_sources",
            "require_customer_id",
            "spend_reconcile_interval",
            "price_catalogue",
            "max_request_size_mb",
            "fail_closed_budget_enforcement",
            "customer_cache_size",
            "customer_cache_refresh_seconds",
            "spend_flush_max_interval",
            "spend_batch_retention",
            "settle_batch_ms",
            "lease_slice_ms");
    private static final Set<String> ROUTER_KEYS = Set.of(
            "routing_strategy",
            "timeout",
            "redis_url",
            "redis_host",
            "redis_port",
            "redis_password",
            // read by RouterSettingsReader
            "num_retries",
            "fallbacks",
            "context_window_fallbacks",
            "content_policy_fallbacks",
            "default_fallbacks",
            "max_fallbacks",
            "retry_after",
            "allowed_fails",
            "cooldown_time",
            "disable_cooldowns",
            "model_group_alias");
    /** Alerting channels Tollgate sends to. */
    private static final Set<String> ALERTING = Set.of("webhook");

    private static final Set<String> MAPPING_KEYS = Set.of("header_name", "litellm_user_role");
    /** The strategy that enforces deployment rpm/tpm ({@code usage-based-routing} is read as it). */
    static final String USAGE_BASED = "usage-based-routing-v2";

    private static final Set<String> ROUTING =
            Set.of("simple-shuffle", "round-robin", "least-busy", "usage-based-routing-v2");
    /** LiteLLM strategies Tollgate does not implement: a working LiteLLM config must still load. */
    private static final Set<String> ROUTING_FALLBACK = Set.of("latency-based-routing", "cost-based-routing");

    private GeneralSettingsReader() {}

    static GeneralSettings read(ConfigNode g, ConfigNode router, ConfigNode litellm) {
        g.checkKeys(KEYS, NoEffectKeys.GENERAL);
        router.checkKeys(ROUTER_KEYS, NoEffectKeys.ROUTER);
        Map<String, String> env = g.env();
        return new GeneralSettings(
                orEnv(g.string("master_key"), env, "LITELLM_MASTER_KEY"),
                orEnv(g.string("database_url"), env, "DATABASE_URL"),
                redisUrl(g.string("redis_url"), router, env),
                redisKeyPrefix(g),
                alerting(g),
                List.copyOf(g.stringList("alert_types")),
                orEnv(g.string("webhook_url"), env, "WEBHOOK_URL"),
                g.string("webhook_secret"),
                batchWriteInterval(g, env),
                customerHeaders(g),
                g.bool("enforce_user_param", false),
                tokenRateLimitType(g),
                budgetExceededStatus(g),
                g.nonNegativeLong("default_reserve_tokens", 1024),
                routingStrategy(router),
                failOpen(g),
                maxRequestBodyBytes(g),
                g.seconds("upstream_connect_timeout", Duration.ofSeconds(5)),
                g.seconds("upstream_read_timeout", Duration.ofSeconds(600)),
                requestTimeout(g, router, litellm),
                g.seconds("client_idle_timeout", Duration.ofSeconds(60)),
                g.seconds("shutdown_drain_timeout", Duration.ofSeconds(30)),
                webhook(g),
                Duration.ofMillis(g.positiveLong("redis_command_timeout_ms", 250)),
                g.seconds("reservation_ttl_seconds", null),
                customerIdSources(g),
                g.bool("require_customer_id", false),
                g.seconds("spend_reconcile_interval", Duration.ofSeconds(60)),
                g.string("price_catalogue"),
                scale(g, batchWriteInterval(g, env)));
    }

    /**
     * {@code general_settings.request_timeout}, else {@code router_settings.timeout}, else
     * {@code litellm_settings.request_timeout} (LiteLLM's router settings override its module
     * settings), else 600 s.
     */
    private static Duration requestTimeout(ConfigNode g, ConfigNode router, ConfigNode litellm) {
        if (g.has("request_timeout")) {
            return g.seconds("request_timeout", DEFAULT_REQUEST_TIMEOUT);
        }
        if (router.has("timeout")) {
            return router.seconds("timeout", DEFAULT_REQUEST_TIMEOUT);
        }
        return litellm.seconds("request_timeout", DEFAULT_REQUEST_TIMEOUT);
    }

    /** {@code fail_open}, else the opposite of LiteLLM's {@code fail_closed_budget_enforcement}, else open. */
    private static boolean failOpen(ConfigNode g) {
        if (g.has("fail_open") || !g.has("fail_closed_budget_enforcement")) {
            return g.bool("fail_open", true);
        }
        return !g.bool("fail_closed_budget_enforcement", false);
    }

    /** {@code max_request_body_bytes}, else LiteLLM's {@code max_request_size_mb} (MiB), else 4 MiB. */
    private static long maxRequestBodyBytes(ConfigNode g) {
        if (!g.has("max_request_body_bytes") && g.has("max_request_size_mb")) {
            long mb = g.positiveLong("max_request_size_mb", 4);
            return Math.multiplyExact(Math.min(mb, 1L << 20), 1024L * 1024);
        }
        return g.positiveLong("max_request_body_bytes", 4L * 1024 * 1024);
    }

    /** The alerting channels; any but {@code webhook} (Slack, email, ...) is named in the no-effect warning. */
    private static List<String> alerting(ConfigNode g) {
        List<String> channels = List.copyOf(g.stringList("alerting"));
        for (String channel : channels) {
            if (!ALERTING.contains(channel)) {
                g.diagnostics().noEffect(g.path("alerting") + ": " + channel, "only webhook alerts are sent");
            }
        }
        return channels;
    }

    /** {@code customer_id_sources}: a non-empty list of distinct source names; absent = the default order. */
    private static List<CustomerIdSource> customerIdSources(ConfigNode g) {
        if (!g.has("customer_id_sources")) {
            return CustomerIdSource.DEFAULT_ORDER;
        }
        List<CustomerIdSource> order = new ArrayList<>();
        for (String name : g.stringList("customer_id_sources")) {
            CustomerIdSource source =
                    CustomerIdSource.fromConfigName(name.trim().toLowerCase(Locale.ROOT));
            if (source == null || order.contains(source)) {
                g.reject(
                        "customer_id_sources",
                        (source == null ? "unknown source \"" + name + "\"" : "\"" + name + "\" is listed twice")
                                + "; expected distinct names among header, user, safety_identifier, metadata");
                return CustomerIdSource.DEFAULT_ORDER;
            }
            order.add(source);
        }
        if (order.isEmpty()) {
            g.reject(
                    "customer_id_sources",
                    "must name at least one source (to ignore customer ids, set"
                            + " litellm_settings.disable_end_user_cost_tracking: true)");
            return CustomerIdSource.DEFAULT_ORDER;
        }
        return List.copyOf(order);
    }

    private static ScaleOptions scale(ConfigNode g, Duration batchWriteInterval) {
        ScaleOptions d = ScaleOptions.defaults(batchWriteInterval);
        Duration retention = g.seconds("spend_batch_retention", d.spendBatchRetention());
        if (retention.toSeconds() < 60) {
            g.reject("spend_batch_retention", "expected at least 60 seconds, got " + retention.toSeconds());
            retention = d.spendBatchRetention();
        }
        long settleBatchMs = g.nonNegativeLong("settle_batch_ms", d.settleBatchMs());
        if (settleBatchMs > ScaleOptions.MAX_SETTLE_BATCH_MS) {
            g.reject(
                    "settle_batch_ms",
                    "expected at most " + ScaleOptions.MAX_SETTLE_BATCH_MS + " milliseconds, got " + settleBatchMs);
            settleBatchMs = d.settleBatchMs();
        }
        long leaseSliceMs = g.nonNegativeLong("lease_slice_ms", d.leaseSliceMs());
        if (leaseSliceMs > ScaleOptions.MAX_LEASE_SLICE_MS) {
            g.reject(
                    "lease_slice_ms",
                    "expected at most " + ScaleOptions.MAX_LEASE_SLICE_MS + " milliseconds, got " + leaseSliceMs);
            leaseSliceMs = d.leaseSliceMs();
        }
        return new ScaleOptions(
                g.positiveLong("customer_cache_size", d.customerCacheSize()),
                g.seconds("spend_flush_max_interval", d.spendFlushMaxInterval()),
                retention,
                settleBatchMs,
                leaseSliceMs,
                Duration.ofSeconds(g.nonNegativeLong(
                        "customer_cache_refresh_seconds",
                        d.customerCacheRefresh().toSeconds())));
    }

    private static WebhookOptions webhook(ConfigNode g) {
        WebhookOptions d = WebhookOptions.DEFAULTS;
        List<BigDecimal> thresholds = d.thresholds();
        if (g.has("webhook_thresholds")) {
            Set<BigDecimal> sorted = new TreeSet<>();
            for (String text : g.stringList("webhook_thresholds")) {
                BigDecimal t;
                try {
                    t = new BigDecimal(text.trim());
                } catch (NumberFormatException e) {
                    g.reject(
                            "webhook_thresholds",
                            "expected fractions of the budget between 0 and 1, got \"" + text + "\"");
                    continue;
                }
                if (t.signum() <= 0 || t.compareTo(BigDecimal.ONE) >= 0) {
                    g.reject(
                            "webhook_thresholds",
                            "expected fractions of the budget between 0 and 1 (exclusive), got " + text
                                    + "; budget_crossed is always sent at 1");
                    continue;
                }
                sorted.add(t.stripTrailingZeros());
            }
            thresholds = List.copyOf(sorted);
        }
        long attempts = g.positiveLong("webhook_max_attempts", d.maxAttempts());
        long capacity = g.positiveLong("webhook_queue_capacity", d.queueCapacity());
        return new WebhookOptions(
                thresholds,
                g.positiveLong("webhook_retry_base_ms", d.retryBaseMs()),
                (int) Math.min(1000, attempts),
                (int) Math.min(10_000_000, capacity),
                g.seconds("webhook_timeout", d.timeout()));
    }

    private static String redisKeyPrefix(ConfigNode g) {
        String prefix = g.string("redis_key_prefix");
        if (prefix == null) {
            return "tg:";
        }
        if (prefix.isEmpty() || prefix.contains("{") || prefix.contains("}")) {
            g.reject("redis_key_prefix", "must be non-empty and contain no '{' or '}', got \"" + prefix + "\"");
            return "tg:";
        }
        return prefix;
    }

    private static String orEnv(String configured, Map<String, String> env, String variable) {
        if (configured != null && !configured.isBlank()) {
            return configured;
        }
        String fromEnv = env.get(variable);
        return fromEnv == null || fromEnv.isBlank() ? null : fromEnv;
    }

    /**
     * {@code redis_url}, else {@code REDIS_URL}, else LiteLLM's {@code router_settings.redis_url} or
     * {@code redis_host}/{@code redis_port}/{@code redis_password} (with which LiteLLM instances share
     * their rate-limit counters), else a URL built from {@code REDIS_HOST/PORT/PASSWORD}.
     */
    private static String redisUrl(String configured, ConfigNode router, Map<String, String> env) {
        String url = orEnv(configured, env, "REDIS_URL");
        if (url != null) {
            return url;
        }
        String routerUrl = router.string("redis_url");
        if (routerUrl != null && !routerUrl.isBlank()) {
            return routerUrl.trim();
        }
        String routerHost = router.string("redis_host");
        if (routerHost != null && !routerHost.isBlank()) {
            return redisUrl(routerHost, router.string("redis_port"), router.string("redis_password"));
        }
        String host = env.get("REDIS_HOST");
        if (host == null || host.isBlank()) {
            return null;
        }
        return redisUrl(host, env.get("REDIS_PORT"), env.get("REDIS_PASSWORD"));
    }

    private static String redisUrl(String host, String port, String password) {
        String p = port == null || port.isBlank() ? "6379" : port.trim();
        String auth = password == null || password.isEmpty() ? "" : ":" + percentEncode(password) + "@";
        return "redis://" + auth + host.trim() + ":" + p;
    }

    /** Percent-encodes all but RFC 3986 unreserved characters, so any password fits the URL's userinfo. */
    static String percentEncode(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~".indexOf(c) >= 0) {
                out.append(c);
            } else {
                out.append('%')
                        .append(Character.toUpperCase(Character.forDigit((b >> 4) & 0xf, 16)))
                        .append(Character.toUpperCase(Character.forDigit(b & 0xf, 16)));
            }
        }
        return out.toString();
    }

    private static Duration batchWriteInterval(ConfigNode g, Map<String, String> env) {
        if (g.has("proxy_batch_write_at")) {
            return g.seconds("proxy_batch_write_at", DEFAULT_BATCH_WRITE);
        }
        String fromEnv = env.get("PROXY_BATCH_WRITE_AT");
        if (fromEnv != null && !fromEnv.isBlank()) {
            return g.diagnostics()
                    .attempt(
                            () -> ConfigNode.secondsValue("PROXY_BATCH_WRITE_AT", TextNode.valueOf(fromEnv)),
                            DEFAULT_BATCH_WRITE);
        }
        return DEFAULT_BATCH_WRITE;
    }

    /** Role-customer headers of {@code user_header_mappings} in order, then {@code user_header_name}; lower-cased. */
    private static List<String> customerHeaders(ConfigNode g) {
        Set<String> headers = new LinkedHashSet<>();
        for (ConfigNode mapping : g.sections("user_header_mappings", true)) {
            mapping.checkKeys(MAPPING_KEYS);
            g.diagnostics()
                    .attempt(
                            () -> {
                                String role = mapping.requiredString("litellm_user_role");
                                String header = mapping.requiredString("header_name");
                                if ("customer".equalsIgnoreCase(role.trim())) {
                                    headers.add(header.trim().toLowerCase(Locale.ROOT));
                                }
                                return null;
                            },
                            null);
        }
        String legacy = g.string("user_header_name");
        if (legacy != null && !legacy.isBlank()) {
            headers.add(legacy.trim().toLowerCase(Locale.ROOT));
        }
        return List.copyOf(headers);
    }

    private static TokenRateLimitType tokenRateLimitType(ConfigNode g) {
        String type = g.string("token_rate_limit_type");
        if (type == null) {
            return TokenRateLimitType.OUTPUT;
        }
        Optional<TokenRateLimitType> parsed = TokenRateLimitType.fromConfig(type);
        if (parsed.isEmpty()) {
            g.reject("token_rate_limit_type", "expected one of output, input, total, got \"" + type + "\"");
            return TokenRateLimitType.OUTPUT;
        }
        return parsed.get();
    }

    private static int budgetExceededStatus(ConfigNode g) {
        long status = g.nonNegativeLong("budget_exceeded_status", 400);
        if (status != 400 && status != 429) {
            g.reject("budget_exceeded_status", "expected 400 or 429, got " + status);
            return 400;
        }
        return (int) status;
    }

    private static String routingStrategy(ConfigNode router) {
        String strategy = router.string("routing_strategy");
        if (strategy == null) {
            return DEFAULT_ROUTING;
        }
        String normalized = strategy.trim().toLowerCase(Locale.ROOT);
        if (ROUTING.contains(normalized)) {
            return normalized;
        }
        if (normalized.equals("usage-based-routing")) {
            // LiteLLM's older implementation of the same rule: lowest usage under the deployment's rpm/tpm.
            return USAGE_BASED;
        }
        if (ROUTING_FALLBACK.contains(normalized)) {
            router.diagnostics()
                    .warn(router.path("routing_strategy") + ": '" + normalized
                            + "' is not supported by Tollgate; using " + DEFAULT_ROUTING);
            return DEFAULT_ROUTING;
        }
        router.reject(
                "routing_strategy",
                "expected one of simple-shuffle, round-robin, least-busy, usage-based-routing-v2, got \"" + strategy
                        + "\"");
        return DEFAULT_ROUTING;
    }
}
