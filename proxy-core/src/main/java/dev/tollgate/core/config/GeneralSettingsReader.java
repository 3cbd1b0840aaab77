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
import java.util.Set;
import java.util.TreeSet;

/** Reads {@code general_settings} (plus {@code router_settings.routing_strategy}) with LiteLLM's env fallbacks. */
final class GeneralSettingsReader {
    static final Duration DEFAULT_BATCH_WRITE = Duration.ofSeconds(10);
    static final String DEFAULT_ROUTING = "round-robin";

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
            // LiteLLM keys Tollgate knows and deliberately does not use.
            "proxy_budget_rescheduler_min_time",
            "proxy_budget_rescheduler_max_time",
            "use_redis_transaction_buffer",
            "litellm_key_header_name",
            "alerting_args",
            "alerting_threshold",
            "store_model_in_db",
            "disable_spend_logs",
            "database_connection_pool_limit",
            "database_connection_timeout",
            "allow_requests_on_db_unavailable",
            "background_health_checks",
            "health_check_interval",
            "disable_master_key_return",
            "disable_reset_budget",
            "maximum_spend_logs_retention_period",
            "infer_model_from_keys",
            "disable_prisma_schema_update");
    private static final Set<String> MAPPING_KEYS = Set.of("header_name", "litellm_user_role");
    private static final Set<String> ROUTING = Set.of("simple-shuffle", "round-robin", "least-busy");
    /** LiteLLM strategies Tollgate does not implement: a working LiteLLM config must still load. */
    private static final Set<String> ROUTING_FALLBACK =
            Set.of("usage-based-routing", "usage-based-routing-v2", "latency-based-routing", "cost-based-routing");

    private GeneralSettingsReader() {}

    static GeneralSettings read(ConfigNode g, ConfigNode router, ConfigNode litellm) {
        g.checkKeys(KEYS);
        Map<String, String> env = g.env();
        Duration requestTimeout = g.has("request_timeout")
                ? g.seconds("request_timeout", null)
                : litellm.seconds("request_timeout", Duration.ofSeconds(600));
        return new GeneralSettings(
                orEnv(g.string("master_key"), env, "LITELLM_MASTER_KEY"),
                orEnv(g.string("database_url"), env, "DATABASE_URL"),
                redisUrl(g.string("redis_url"), env),
                redisKeyPrefix(g),
                List.copyOf(g.stringList("alerting")),
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
                g.bool("fail_open", true),
                g.positiveLong("max_request_body_bytes", 4L * 1024 * 1024),
                g.seconds("upstream_connect_timeout", Duration.ofSeconds(5)),
                g.seconds("upstream_read_timeout", Duration.ofSeconds(600)),
                requestTimeout,
                g.seconds("client_idle_timeout", Duration.ofSeconds(60)),
                g.seconds("shutdown_drain_timeout", Duration.ofSeconds(30)),
                webhook(g),
                Duration.ofMillis(g.positiveLong("redis_command_timeout_ms", 250)),
                g.seconds("reservation_ttl_seconds", null),
                customerIdSources(g),
                g.bool("require_customer_id", false));
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
                throw g.error(
                        "customer_id_sources",
                        (source == null ? "unknown source \"" + name + "\"" : "\"" + name + "\" is listed twice")
                                + "; expected distinct names among header, user, safety_identifier, metadata");
            }
            order.add(source);
        }
        if (order.isEmpty()) {
            throw g.error(
                    "customer_id_sources",
                    "must name at least one source (to ignore customer ids, set"
                            + " litellm_settings.disable_end_user_cost_tracking: true)");
        }
        return List.copyOf(order);
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
                    throw g.error(
                            "webhook_thresholds",
                            "expected fractions of the budget between 0 and 1, got \"" + text + "\"");
                }
                if (t.signum() <= 0 || t.compareTo(BigDecimal.ONE) >= 0) {
                    throw g.error(
                            "webhook_thresholds",
                            "expected fractions of the budget between 0 and 1 (exclusive), got " + text
                                    + "; budget_crossed is always sent at 1");
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
            throw new ConfigException(
                    "general_settings.redis_key_prefix: must be non-empty and contain no '{' or '}', got \"" + prefix
                            + "\"");
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

    /** {@code redis_url}, else {@code REDIS_URL}, else a URL built from {@code REDIS_HOST/PORT/PASSWORD}. */
    private static String redisUrl(String configured, Map<String, String> env) {
        String url = orEnv(configured, env, "REDIS_URL");
        if (url != null) {
            return url;
        }
        String host = env.get("REDIS_HOST");
        if (host == null || host.isBlank()) {
            return null;
        }
        String port = env.getOrDefault("REDIS_PORT", "6379");
        String password = env.get("REDIS_PASSWORD");
        String auth = password == null || password.isEmpty() ? "" : ":" + percentEncode(password) + "@";
        return "redis://" + auth + host.trim() + ":" + port.trim();
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
            return ConfigNode.secondsValue("PROXY_BATCH_WRITE_AT", TextNode.valueOf(fromEnv));
        }
        return DEFAULT_BATCH_WRITE;
    }

    /** Role-customer headers of {@code user_header_mappings} in order, then {@code user_header_name}; lower-cased. */
    private static List<String> customerHeaders(ConfigNode g) {
        Set<String> headers = new LinkedHashSet<>();
        for (ConfigNode mapping : g.sections("user_header_mappings", true)) {
            mapping.checkKeys(MAPPING_KEYS);
            String role = mapping.requiredString("litellm_user_role");
            String header = mapping.requiredString("header_name");
            if ("customer".equalsIgnoreCase(role.trim())) {
                headers.add(header.trim().toLowerCase(Locale.ROOT));
            }
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
        return TokenRateLimitType.fromConfig(type)
                .orElseThrow(() ->
                        g.error("token_rate_limit_type", "expected one of output, input, total, got \"" + type + "\""));
    }

    private static int budgetExceededStatus(ConfigNode g) {
        long status = g.nonNegativeLong("budget_exceeded_status", 400);
        if (status != 400 && status != 429) {
            throw g.error("budget_exceeded_status", "expected 400 or 429, got " + status);
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
        if (ROUTING_FALLBACK.contains(normalized)) {
            router.diagnostics()
                    .warn(router.path("routing_strategy") + ": '" + normalized
                            + "' is not supported by Tollgate; using " + DEFAULT_ROUTING);
            return DEFAULT_ROUTING;
        }
        throw router.error(
                "routing_strategy",
                "expected one of simple-shuffle, round-robin, least-busy, got \"" + strategy + "\"");
    }
}
