package dev.tollgate.core.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * LiteLLM config keys that Tollgate accepts (a LiteLLM config still starts) but does not act on.
 * Every one that a config sets is named in a single startup warning ("these keys have no effect in
 * Tollgate: ..."); keys that change money or safety carry a reason saying what the operator does not
 * get. This class is the one list: a key that gets implemented moves from here to its section's
 * reader (and to the README's table of honoured keys).
 *
 * <p>Keys not listed here and not read by a reader are reported as unknown (often a typo).
 */
final class NoEffectKeys {
    private NoEffectKeys() {}

    private static final String NO_RETRIES = "set num_retries instead";
    private static final String NO_RETRY_POLICY =
            "retries per kind of error are not supported: num_retries applies to every retryable failure";
    private static final String NO_DEPLOYMENT_RETRIES =
            "retries per deployment are not supported: the model group's num_retries applies";
    private static final String NO_FALLBACKS = "no fallbacks: a failed call fails";
    private static final String NO_DEPLOYMENT_LIMITS =
            "deployment rpm/tpm are not enforced unless routing_strategy is usage-based-routing-v2 (they weight"
                    + " simple-shuffle); customer limits are";
    private static final String NO_CACHE = "responses are never cached";
    private static final String MASTER_KEY_ONLY = "only the master key authenticates";

    /** {@code general_settings}. */
    static final Map<String, String> GENERAL = keys(
            // money and safety
            "allow_requests_on_db_unavailable",
                    "calls are always served while the database is down (cached policies, fail_open decides for Redis)",
            "disable_reset_budget", "budgets always reset at the end of their period",
            "max_parallel_requests", "parallel requests are not limited",
            "global_max_parallel_requests", "parallel requests are not limited",
            "allowed_ips", "every address may connect: restrict access in front of the proxy",
            "custom_auth", MASTER_KEY_ONLY,
            "enable_jwt_auth", MASTER_KEY_ONLY,
            "enable_oauth2_auth", MASTER_KEY_ONLY,
            "enable_oauth2_proxy_auth", MASTER_KEY_ONLY,
            "litellm_jwtauth", MASTER_KEY_ONLY,
            "litellm_key_header_name", "keys are read from the Authorization header only",
            "allowed_routes", "every route is open to the master key",
            "public_routes", "only the health and metrics routes are public",
            "admin_only_routes", "every route needs the master key",
            "enforced_params", "request parameters are not enforced",
            "disable_spend_updates", "spend is always tracked",
            "disable_budget_reservation", "budgets always reserve the cost of calls in flight",
            "max_response_size_mb", "response sizes are not limited",
            // everything else
            "completion_model", null,
            "disable_spend_logs", null,
            "disable_master_key_return", null,
            "disable_retry_on_max_parallel_request_limit_error", null,
            "disable_adding_master_key_hash_to_db", null,
            "disable_responses_id_security", null,
            "reject_clientside_metadata_tags", null,
            "key_management_system", null,
            "key_management_settings", null,
            "maximum_spend_logs_retention_period", null,
            "maximum_spend_logs_retention_interval", null,
            "user_mcp_management_mode", null,
            "database_connection_pool_limit", null,
            "database_connection_timeout", null,
            "infer_model_from_keys", null,
            "background_health_checks", null,
            "health_check_interval", null,
            "health_check_details", null,
            "alerting_threshold", null,
            "alerting_args", null,
            "alert_to_webhook_url", null,
            "use_client_credentials_pass_through_routes", null,
            "use_x_forwarded_for", null,
            "service_account_settings", null,
            "image_generation_model", null,
            "embedding_model", null,
            "moderation_model", null,
            "store_model_in_db", null,
            "supported_db_objects", null,
            "store_prompts_in_spend_logs", null,
            "proxy_budget_rescheduler_min_time", null,
            "proxy_budget_rescheduler_max_time", null,
            "proxy_batch_polling_interval", null,
            "custom_key_generate", null,
            "default_team_disabled", null,
            "allow_user_auth", null,
            "user_api_key_cache_ttl", null,
            "disable_prisma_schema_update", null,
            "custom_sso", null,
            "allow_client_side_credentials", null,
            "use_azure_key_vault", null,
            "use_google_kms", null,
            "spend_report_frequency", null,
            "ui_access_mode", null,
            "litellm_license", null,
            "oauth2_config_mappings", null,
            "pass_through_endpoints", null,
            "forward_openai_org_id", null,
            "forward_client_headers_to_llm_api", null,
            "use_redis_transaction_buffer", null);

    /** {@code litellm_settings}. */
    static final Map<String, String> LITELLM = keys(
            // money and safety
            "max_end_user_budget",
                    "deprecated in LiteLLM and not enforced: create a budget and set max_end_user_budget_id to its id",
            "max_internal_user_budget", "no internal-user budgets",
            "internal_user_budget_duration", "no internal-user budgets",
            "validate_end_user_id_in_db", "customers are created at their first call",
            "max_retries", NO_RETRIES,
            "cache", NO_CACHE,
            "cache_params", NO_CACHE,
            // everything else
            "service_callbacks", null,
            "turn_off_message_logging", null,
            "redact_user_api_key_info", null,
            "langfuse_default_tags", null,
            "force_ipv4", null,
            "set_verbose", null,
            "mcp_aliases", null,
            "disable_end_user_cost_tracking_prometheus_only", null,
            "key_generation_settings", null,
            "default_key_generate_params", null,
            "upperbound_key_generate_params", null,
            "default_team_settings", null,
            "default_internal_user_params", null,
            "disable_add_transform_inline_image_block", null,
            "use_chat_completions_url_for_anthropic_messages", null,
            "disable_hf_tokenizer_download", null,
            "enable_json_schema_validation", null,
            "enable_key_alias_format_validation", null,
            "disable_copilot_system_to_assistant", null,
            "enable_preview_features", null,
            "modify_params", null,
            "drop_params", null,
            "ssl_verify", null,
            "telemetry", null);

    /** {@code router_settings}. */
    static final Map<String, String> ROUTER = keys(
            // money and safety
            "enable_pre_call_checks", "context windows are not checked before a call",
            "enable_pre_call_check", "context windows are not checked before a call",
            "optional_pre_call_checks", "no pre-call checks",
            "provider_budget_config", "provider budgets are not enforced",
            "max_retries", NO_RETRIES,
            "retry_policy", NO_RETRY_POLICY,
            "model_group_retry_policy", NO_RETRY_POLICY,
            "cache_responses", NO_CACHE,
            "caching_groups", NO_CACHE,
            "default_max_parallel_requests", "parallel requests are not limited",
            // everything else
            "redis_db", null,
            "allowed_fails_policy", null,
            "enable_tag_filtering", null,
            "tag_filtering_match_any", null,
            "default_priority", null,
            "polling_interval", null,
            "default_litellm_params", null,
            "stream_timeout", null,
            "debug_level", null,
            "client_ttl", null,
            "cache_kwargs", null,
            "routing_strategy_args", null,
            "alerting_config", null,
            "assistants_config", null,
            "set_verbose", null,
            "router_general_settings", null,
            "deployment_affinity_ttl_seconds", null,
            "ignore_invalid_deployments", null,
            "search_tools", null,
            "guardrail_list", null);

    /** Top-level sections. */
    static final Map<String, String> TOP_LEVEL = keys(
            "include", "included files are not read: put their models in this file",
            "callback_settings", null,
            "finetune_settings", null,
            "files_settings", null,
            "assistant_settings", null,
            "credential_list", null,
            "guardrails", null,
            "mcp_servers", null,
            "vector_store_registry", null);

    /** A {@code model_list} entry, beside {@code model_name}, {@code litellm_params}, {@code model_info}. */
    static final Map<String, String> ENTRY = keys("rpm", NO_DEPLOYMENT_LIMITS, "tpm", NO_DEPLOYMENT_LIMITS);

    /** {@link #PARAMS} without {@code rpm}/{@code tpm}: under usage-based-routing-v2 they are limits. */
    static Map<String, String> paramsEnforcingLimits() {
        Map<String, String> m = new LinkedHashMap<>(PARAMS);
        m.remove("rpm");
        m.remove("tpm");
        return Collections.unmodifiableMap(m);
    }

    /** {@code model_list[].litellm_params}. */
    static final Map<String, String> PARAMS = keys(
            // money and safety
            "rpm",
            NO_DEPLOYMENT_LIMITS,
            "tpm",
            NO_DEPLOYMENT_LIMITS,
            "max_parallel_requests",
            "parallel requests are not limited",
            "max_retries",
            NO_DEPLOYMENT_RETRIES,
            "num_retries",
            NO_DEPLOYMENT_RETRIES,
            "input_cost_per_second",
            "per-second prices are not supported: set input_cost_per_token",
            "output_cost_per_second",
            "per-second prices are not supported: set output_cost_per_token",
            "temperature",
            "default request parameters are not added to calls",
            "max_tokens",
            "default request parameters are not added to calls",
            "max_completion_tokens",
            "default request parameters are not added to calls",
            "top_p",
            "default request parameters are not added to calls",
            "seed",
            "default request parameters are not added to calls",
            "stop",
            "default request parameters are not added to calls",
            "extra_headers",
            "extra headers are not sent upstream",
            // everything else
            "stream_timeout",
            null,
            "organization",
            null,
            "tags",
            null,
            "drop_params",
            null,
            "use_in_pass_through",
            null,
            "mock_timeout",
            null,
            "merge_reasoning_content_in_choices",
            null,
            "order",
            null);

    /** {@code model_list[].model_info}. */
    static final Map<String, String> INFO = keys(
            "max_input_tokens", "context windows are not checked before a call",
            "mode", null,
            "supports_function_calling", null,
            "supports_vision", null,
            "supports_parallel_function_calling", null,
            "supports_response_schema", null,
            "supports_tool_choice", null,
            "supports_reasoning", null,
            "supports_prompt_caching", null,
            "access_groups", null,
            "description", null,
            "health_check_timeout", null,
            "health_check_model", null,
            "metadata", null,
            "tier", null,
            "team_id", null);

    /**
     * Keys whose {@code false} is what Tollgate does anyway (the feature is off in both), so a config
     * that turns them off is not warned about.
     */
    static final Set<String> HARMLESS_WHEN_FALSE = Set.of(
            "cache",
            "cache_responses",
            "set_verbose",
            "telemetry",
            "drop_params",
            "modify_params",
            "enable_pre_call_checks",
            "enable_pre_call_check",
            "validate_end_user_id_in_db",
            "disable_reset_budget",
            "disable_spend_updates",
            "disable_budget_reservation",
            "redact_user_api_key_info",
            "turn_off_message_logging");

    private static Map<String, String> keys(String... keyThenReason) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < keyThenReason.length; i += 2) {
            if (m.put(keyThenReason[i], keyThenReason[i + 1]) != null) {
                throw new IllegalStateException("listed twice: " + keyThenReason[i]);
            }
        }
        return Collections.unmodifiableMap(m);
    }
}
