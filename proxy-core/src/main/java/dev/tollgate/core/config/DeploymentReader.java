package dev.tollgate.core.config;

import dev.tollgate.core.money.ModelPrice;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads one {@code model_list} entry into a {@link ModelDeployment}. The provider is checked before
 * the price: a deployment Tollgate cannot call gets one error line about its provider, not a second
 * one about its price.
 */
final class DeploymentReader {
    static final String DEFAULT_PROVIDER = "openai";

    private static final Set<String> ENTRY_KEYS = Set.of("model_name", "litellm_params", "model_info");
    private static final Set<String> PARAM_KEYS = Set.of(
            "model",
            "custom_llm_provider",
            "api_base",
            "api_key",
            "api_version",
            "mock_response",
            "input_cost_per_token",
            "output_cost_per_token",
            "cache_read_input_token_cost",
            "cache_creation_input_token_cost",
            "region_name",
            "timeout",
            "weight");
    private static final Set<String> INFO_KEYS = Set.of(
            "id",
            "base_model",
            "input_cost_per_token",
            "output_cost_per_token",
            "cache_read_input_token_cost",
            "cache_creation_input_token_cost",
            "max_output_tokens",
            "max_tokens",
            "free");

    private static final Set<String> PARAM_KEYS_WITH_LIMITS = withLimits(PARAM_KEYS);
    private static final Map<String, String> PARAMS_ENFORCING_LIMITS = NoEffectKeys.paramsEnforcingLimits();
    private static final Set<String> ENTRY_KEYS_WITH_LIMITS =
            Set.of("model_name", "litellm_params", "model_info", "rpm", "tpm");

    private final DeploymentPriceResolver prices;
    /** routing_strategy usage-based-routing-v2: deployment rpm/tpm are limits, not keys without effect. */
    private final boolean limitsEnforced;

    DeploymentReader(DeploymentPriceResolver prices) {
        this(prices, false);
    }

    private static Set<String> withLimits(Set<String> keys) {
        Set<String> s = new java.util.HashSet<>(keys);
        s.add("rpm");
        s.add("tpm");
        return Set.copyOf(s);
    }

    DeploymentReader(DeploymentPriceResolver prices, boolean limitsEnforced) {
        this.prices = prices;
        this.limitsEnforced = limitsEnforced;
    }

    /**
     * @return the deployment, or null when a section is not a mapping (recorded)
     * @throws ConfigException when the entry cannot make a deployment at all (other problems are recorded)
     */
    ModelDeployment read(ConfigNode entry, int index, Duration defaultTimeout) {
        if (limitsEnforced) {
            entry.checkKeys(ENTRY_KEYS_WITH_LIMITS, Map.of());
        } else {
            entry.checkKeys(ENTRY_KEYS, NoEffectKeys.ENTRY);
        }
        int errorsBefore = entry.diagnostics().errorCount();
        ConfigNode params = entry.section("litellm_params");
        ConfigNode info = entry.section("model_info");
        if (entry.diagnostics().errorCount() > errorsBefore) {
            return null;
        }
        if (limitsEnforced) {
            params.checkKeys(PARAM_KEYS_WITH_LIMITS, PARAMS_ENFORCING_LIMITS);
        } else {
            params.checkKeys(PARAM_KEYS, NoEffectKeys.PARAMS);
        }
        info.checkKeys(INFO_KEYS, NoEffectKeys.INFO);
        String modelName = entry.requiredString("model_name");
        String model = params.requiredString("model");

        String customProvider = params.string("custom_llm_provider");
        String provider;
        String upstreamModel;
        if (customProvider != null && !customProvider.isBlank()) {
            provider = customProvider.trim();
            upstreamModel = model.startsWith(provider + "/") ? model.substring(provider.length() + 1) : model;
        } else {
            int slash = model.indexOf('/');
            provider = slash < 0 ? DEFAULT_PROVIDER : model.substring(0, slash);
            upstreamModel = slash < 0 ? model : model.substring(slash + 1);
        }
        if (provider.isBlank() || upstreamModel.isBlank()) {
            throw params.error("model", "expected <provider>/<model>, got \"" + model + "\"");
        }
        String mockResponse = params.string("mock_response");
        if (mockResponse == null && !Providers.speaks(provider)) {
            throw params.error(
                    "model",
                    "provider '" + provider + "' is not supported by Tollgate (it speaks "
                            + Providers.supportedList()
                            + "); for another endpoint that speaks the OpenAI API use openai/<model> with api_base");
        }
        if (model.contains("*")) {
            throw params.error(
                    "model", "wildcard models (\"" + model + "\") are not supported; list each model as its own entry");
        }
        String apiBase = params.string("api_base");
        if (mockResponse == null) {
            apiBase = apiBase(params, provider, apiBase);
        }

        String id = info.string("id");
        if (id == null || id.isBlank()) {
            // Stable across restarts as long as the list order is: metrics and logs can rely on it.
            id = modelName + "-" + index;
        }
        String apiKey = params.string("api_key");
        if ((apiKey == null || apiKey.isBlank()) && mockResponse == null) {
            // LiteLLM's convention: a provider's key comes from its own variable when the entry sets none.
            apiKey = Providers.keyFromEnvironment(provider, params.env());
        }
        String apiVersion = params.string("api_version");
        String regionName = params.string("region_name");
        Duration timeout = params.seconds("timeout", defaultTimeout);
        ModelPrice price = prices.resolve(entry, info, params, provider, model, upstreamModel);
        return new ModelDeployment(
                modelName,
                provider,
                upstreamModel,
                apiBase,
                apiKey,
                apiVersion,
                mockResponse,
                price,
                regionName,
                timeout,
                id,
                routingWeight(entry, params));
    }

    /**
     * {@code weight}, {@code rpm}, {@code tpm}: simple-shuffle's weights; rpm/tpm are also the
     * deployment's limits under usage-based-routing-v2.
     */
    private static RoutingWeight routingWeight(ConfigNode entry, ConfigNode params) {
        java.math.BigDecimal weight = params.decimal("weight", "expected a non-negative number");
        if (weight != null && weight.signum() < 0) {
            params.reject("weight", "expected a non-negative number, got " + weight);
            weight = null;
        }
        long rpm = params.has("rpm") ? params.nonNegativeLong("rpm", -1) : entry.nonNegativeLong("rpm", -1);
        long tpm = params.has("tpm") ? params.nonNegativeLong("tpm", -1) : entry.nonNegativeLong("tpm", -1);
        return new RoutingWeight(weight == null ? -1 : weight.doubleValue(), rpm, tpm);
    }

    /** The configured base URL, or the provider's own; an error when neither exists or it is no http(s) URL. */
    private static String apiBase(ConfigNode params, String provider, String configured) {
        if (configured == null || configured.isBlank()) {
            String fallback = Providers.defaultApiBase(provider);
            if (fallback == null) {
                params.reject(
                        "api_base",
                        "required for provider '" + provider + "' (the URL of its OpenAI-compatible endpoint)");
            }
            return fallback;
        }
        try {
            URI uri = new URI(configured.trim());
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if ((scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null) {
                return Providers.apiBaseFor(provider, configured.trim());
            }
        } catch (URISyntaxException e) {
            // reported below
        }
        params.reject("api_base", "expected an http:// or https:// URL, got \"" + configured + "\"");
        return null;
    }
}
