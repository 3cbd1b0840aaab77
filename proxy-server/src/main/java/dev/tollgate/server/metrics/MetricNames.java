package dev.tollgate.server.metrics;

/**
 * Every metric name and label Tollgate exports, in one place. Ours carry the {@code tollgate_}
 * prefix; the {@code litellm_} ones are LiteLLM's names, kept so its dashboards work. Prometheus
 * adds the unit and {@code _total}/{@code _seconds} suffixes.
 */
public final class MetricNames {
    private MetricNames() {}

    // ---- per call
    public static final String REQUESTS = "tollgate_requests";
    public static final String REQUEST_DURATION = "tollgate_request_duration";
    public static final String UPSTREAM_DURATION = "tollgate_upstream_duration";
    public static final String PROXY_OVERHEAD = "tollgate_proxy_overhead";
    public static final String TIME_TO_FIRST_BYTE = "tollgate_stream_time_to_first_byte";
    public static final String TOKENS = "tollgate_tokens";
    public static final String SPEND_USD = "tollgate_spend_usd";
    public static final String ESTIMATED_USAGE_REQUESTS = "tollgate_estimated_usage_requests";
    public static final String REFUSALS = "tollgate_refusals";
    public static final String UNATTRIBUTED_REQUESTS = "tollgate_unattributed_requests";

    // ---- LiteLLM's names and labels; end_user filled (capped) only with the per-customer flag
    public static final String LITELLM_SPEND = "litellm_spend_metric";
    public static final String LITELLM_TOTAL_TOKENS = "litellm_total_tokens_metric";
    public static final String LITELLM_INPUT_TOKENS = "litellm_input_tokens_metric";
    public static final String LITELLM_OUTPUT_TOKENS = "litellm_output_tokens_metric";
    public static final String LITELLM_REQUESTS = "litellm_requests_metric";
    public static final String LITELLM_PROXY_TOTAL_REQUESTS = "litellm_proxy_total_requests_metric";
    public static final String LITELLM_PROXY_FAILED_REQUESTS = "litellm_proxy_failed_requests_metric";
    public static final String LITELLM_REQUEST_TOTAL_LATENCY = "litellm_request_total_latency_metric";
    public static final String LITELLM_LLM_API_LATENCY = "litellm_llm_api_latency_metric";

    // ---- customers nearest to or over their budget, capped
    public static final String END_USER_REMAINING_BUDGET = "tollgate_end_user_remaining_budget_usd";
    public static final String END_USER_BUDGET_USED = "tollgate_end_user_budget_used_ratio";

    // ---- health of the stores, the flusher and the webhook pipeline
    public static final String REDIS_ERRORS = "tollgate_redis_errors";
    public static final String REDIS_SCRIPT_FALLBACKS = "tollgate_redis_script_fallbacks";
    public static final String LIMIT_STORE_ERRORS = "tollgate_limit_store_errors";
    public static final String DATABASE_ERRORS = "tollgate_database_errors";
    public static final String SPEND_PENDING_CUSTOMERS = "tollgate_spend_pending_customers";
    public static final String SPEND_FLUSH_LAG = "tollgate_spend_flush_lag_seconds";
    public static final String WEBHOOK_QUEUE_DEPTH = "tollgate_webhook_queue_depth";
    public static final String WEBHOOK_OUTBOX_PENDING = "tollgate_webhook_outbox_pending";
    public static final String WEBHOOK_ENDPOINT_DISABLED = "tollgate_webhook_endpoint_disabled";
    public static final String WEBHOOK_EVENTS = "tollgate_webhook_events";
    public static final String WEBHOOK_DELIVERIES = "tollgate_webhook_deliveries";
    public static final String WEBHOOK_RETRIES = "tollgate_webhook_retries";
    public static final String WEBHOOK_DROPPED = "tollgate_webhook_dropped";

    // ---- router
    public static final String DEPLOYMENT_COOLING_DOWN = "tollgate_deployment_cooling_down";
    public static final String DEPLOYMENT_COOLDOWNS = "tollgate_deployment_cooldowns";

    // ---- labels
    public static final String MODEL_ID = "model_id";
    public static final String MODEL = "model";
    public static final String STREAM = "stream";
    public static final String ROUTE = "route";
    public static final String STATUS = "status";
    public static final String DIRECTION = "direction";
    public static final String REASON = "reason";
    public static final String RESULT = "result";
    public static final String OPERATION = "op";
    public static final String COMPONENT = "component";
    public static final String END_USER = "end_user";
    /** {@code provider} or {@code mock} (the built-in mock_response). */
    public static final String UPSTREAM = "upstream";

    public static final String HASHED_API_KEY = "hashed_api_key";
    public static final String API_KEY_ALIAS = "api_key_alias";
    public static final String TEAM = "team";
    public static final String TEAM_ALIAS = "team_alias";
    public static final String USER = "user";
    public static final String REQUESTED_MODEL = "requested_model";
    public static final String STATUS_CODE = "status_code";
    public static final String EXCEPTION_STATUS = "exception_status";
    public static final String EXCEPTION_CLASS = "exception_class";
}
