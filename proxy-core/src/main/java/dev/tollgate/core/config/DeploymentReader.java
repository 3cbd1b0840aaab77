package dev.tollgate.core.config;

import java.time.Duration;
import java.util.Set;

/** Reads one {@code model_list} entry into a {@link ModelDeployment}. */
final class DeploymentReader {
    static final String DEFAULT_PROVIDER = "openai";

    private static final Set<String> ENTRY_KEYS = Set.of("model_name", "litellm_params", "model_info");
    private static final Set<String> PARAM_KEYS = Set.of(
            "model",
            "api_base",
            "api_key",
            "api_version",
            "mock_response",
            "input_cost_per_token",
            "output_cost_per_token",
            "cache_read_input_token_cost",
            "region_name",
            "timeout",
            "rpm",
            "tpm",
            // LiteLLM keys that do not change how Tollgate calls or prices a deployment.
            "stream_timeout",
            "max_retries",
            "organization",
            "max_parallel_requests",
            "tags",
            "drop_params",
            "use_in_pass_through");
    private static final Set<String> INFO_KEYS = Set.of(
            "id",
            "base_model",
            "input_cost_per_token",
            "output_cost_per_token",
            "cache_read_input_token_cost",
            "max_output_tokens",
            "free",
            // Descriptive LiteLLM keys, accepted and unused.
            "mode",
            "max_tokens",
            "max_input_tokens",
            "supports_function_calling",
            "supports_vision",
            "supports_parallel_function_calling",
            "supports_response_schema",
            "access_groups",
            "description");

    private final DeploymentPriceResolver prices;

    DeploymentReader(DeploymentPriceResolver prices) {
        this.prices = prices;
    }

    ModelDeployment read(ConfigNode entry, int index, Duration defaultTimeout) {
        entry.checkKeys(ENTRY_KEYS);
        String modelName = entry.requiredString("model_name");
        ConfigNode params = entry.section("litellm_params");
        params.checkKeys(PARAM_KEYS);
        ConfigNode info = entry.section("model_info");
        info.checkKeys(INFO_KEYS);

        String model = params.requiredString("model");
        int slash = model.indexOf('/');
        String provider = slash < 0 ? DEFAULT_PROVIDER : model.substring(0, slash);
        String upstreamModel = slash < 0 ? model : model.substring(slash + 1);
        if (provider.isBlank() || upstreamModel.isBlank()) {
            throw params.error("model", "expected <provider>/<model>, got \"" + model + "\"");
        }

        String id = info.string("id");
        if (id == null || id.isBlank()) {
            // Stable across restarts as long as the list order is: metrics and logs can rely on it.
            id = modelName + "-" + index;
        }
        return new ModelDeployment(
                modelName,
                provider,
                upstreamModel,
                params.string("api_base"),
                params.string("api_key"),
                params.string("api_version"),
                params.string("mock_response"),
                prices.resolve(entry, info, params, modelName, model, upstreamModel),
                params.string("region_name"),
                params.seconds("timeout", defaultTimeout),
                params.nonNegativeLong("rpm", -1),
                params.nonNegativeLong("tpm", -1),
                id);
    }
}
