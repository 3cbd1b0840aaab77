package dev.tollgate.core.config;

import dev.tollgate.core.money.ModelPrice;
import dev.tollgate.core.money.Money;
import dev.tollgate.core.money.PriceTable;
import java.math.BigDecimal;
import java.util.Optional;

/**
 * Decides what one deployment costs, in this order: its {@code model_info} prices, its
 * {@code litellm_params} prices, the price catalogue (by {@code model_info.base_model} when set, else
 * by {@code litellm_params.model}), {@code model_info.free: true}. A deployment with none of these is
 * a configuration error: an unpriced model would silently be free and budgets would not hold. So is a
 * model the catalogue lists at $0 (a self-hosted model, whose cost it cannot know) unless it is
 * marked free.
 */
final class DeploymentPriceResolver {
    private static final String INPUT = "input_cost_per_token";
    private static final String OUTPUT = "output_cost_per_token";
    private static final String CACHE_READ = "cache_read_input_token_cost";
    private static final String CACHE_WRITE = "cache_creation_input_token_cost";
    private static final String PRICE_EXPECTATION = "expected a non-negative price in USD per token";
    private static final String OWN_PRICE_HINT =
            "set model_info." + INPUT + " and " + OUTPUT + ", or model_info.free: true";

    private final PriceTable table;
    private final String catalogueName;

    /** @param catalogueName how error messages name the catalogue, e.g. "the bundled price catalogue (as of ...)" */
    DeploymentPriceResolver(PriceTable table, String catalogueName) {
        this.table = table;
        this.catalogueName = catalogueName;
    }

    /**
     * @param entry    the {@code model_list[i]} mapping (for error paths)
     * @param model    the {@code litellm_params.model} value, named in the error when nothing prices it
     * @return the price, or null when the entry has a price problem (recorded as an error)
     */
    ModelPrice resolve(
            ConfigNode entry, ConfigNode info, ConfigNode params, String provider, String model, String upstreamModel) {
        ConfigDiagnostics diagnostics = entry.diagnostics();
        int errorsBefore = diagnostics.errorCount();
        // Read every price setting up front, so a bad value is reported even when another source wins.
        boolean free = info.bool("free", false);
        String baseModel = info.string("base_model");
        Optional<PriceTable.Entry> listed = baseModel != null
                ? table.forBaseModel(provider, baseModel)
                : table.forDeployment(provider, upstreamModel);
        int maxOutput = maxOutputTokens(info, listed);
        ModelPrice fromInfo = ownPrice(info, maxOutput);
        ModelPrice fromParams = ownPrice(params, maxOutput);
        if (diagnostics.errorCount() > errorsBefore) {
            return null; // a bad price value: reported already, and no point guessing another source
        }
        if (fromInfo != null) {
            return fromInfo;
        }
        if (fromParams != null) {
            return fromParams;
        }
        if (listed.isPresent() && !listed.get().zeroPriced()) {
            return listed.get().price().withMaxOutputTokens(maxOutput);
        }
        if (free) {
            return new ModelPrice(0, 0, 0, true, maxOutput);
        }
        diagnostics.error(noPrice(entry, info, provider, model, baseModel, listed));
        return null;
    }

    private String noPrice(
            ConfigNode entry,
            ConfigNode info,
            String provider,
            String model,
            String baseModel,
            Optional<PriceTable.Entry> listed) {
        if (listed.isPresent()) {
            return entry.path() + ": '" + listed.get().model() + "' is listed at $0 in " + catalogueName
                    + " (a self-hosted model's cost is not known); set model_info.free: true to serve it at no"
                    + " cost, or set model_info." + INPUT + " and " + OUTPUT;
        }
        if (baseModel != null) {
            return info.path("base_model") + ": no price for '" + baseModel + "' in " + catalogueName + "; name a"
                    + " listed model (e.g. azure/gpt-4o), or " + OWN_PRICE_HINT;
        }
        if (provider.equalsIgnoreCase("azure")) {
            return entry.path() + ": no price for Azure deployment '" + model + "' (a deployment name does not say"
                    + " which model it serves); set model_info.base_model to that model (e.g. azure/gpt-4o), or "
                    + OWN_PRICE_HINT;
        }
        return entry.path() + ": no price for model '" + model + "' in " + catalogueName + "; " + OWN_PRICE_HINT;
    }

    /** {@code max_output_tokens}, else LiteLLM's older {@code max_tokens}, else the catalogue's output limit. */
    private static int maxOutputTokens(ConfigNode info, Optional<PriceTable.Entry> listed) {
        for (String key : new String[] {"max_output_tokens", "max_tokens"}) {
            if (info.has(key)) {
                return (int) Math.min(Integer.MAX_VALUE, info.nonNegativeLong(key, 0));
            }
        }
        return listed.map(e -> e.price().maxOutputTokens()).orElse(0);
    }

    /** The prices a config section sets itself, or null when it sets none. */
    private static ModelPrice ownPrice(ConfigNode section, int maxOutput) {
        int errorsBefore = section.diagnostics().errorCount();
        BigDecimal input = price(section, INPUT);
        BigDecimal output = price(section, OUTPUT);
        BigDecimal cacheRead = price(section, CACHE_READ);
        BigDecimal cacheWrite = price(section, CACHE_WRITE);
        if (section.diagnostics().errorCount() > errorsBefore
                || (input == null && output == null && cacheRead == null && cacheWrite == null)) {
            return null;
        }
        if (input == null || output == null) {
            section.diagnostics().error(section.path() + ": " + INPUT + " and " + OUTPUT + " must be set together");
            return null;
        }
        long inputPicos = picos(section, INPUT, input);
        // Without a cache price, cached tokens cost the full input price: never undercharge.
        long cachedPicos = cacheRead == null ? inputPicos : picos(section, CACHE_READ, cacheRead);
        long cacheWritePicos = cacheWrite == null ? inputPicos : picos(section, CACHE_WRITE, cacheWrite);
        return new ModelPrice(
                inputPicos, picos(section, OUTPUT, output), cachedPicos, false, maxOutput, cacheWritePicos);
    }

    private static BigDecimal price(ConfigNode section, String key) {
        BigDecimal value = section.decimal(key, PRICE_EXPECTATION);
        if (value != null && value.signum() < 0) {
            section.reject(key, PRICE_EXPECTATION + ", got " + value.toPlainString());
            return null;
        }
        return value;
    }

    private static long picos(ConfigNode section, String key, BigDecimal usdPerToken) {
        try {
            return Money.usdPerTokenToPicos(usdPerToken);
        } catch (ArithmeticException e) {
            section.reject(key, PRICE_EXPECTATION + ", got " + usdPerToken.toPlainString());
            return 0;
        }
    }
}
