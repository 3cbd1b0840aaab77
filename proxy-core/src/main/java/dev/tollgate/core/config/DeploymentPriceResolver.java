package dev.tollgate.core.config;

import dev.tollgate.core.money.ModelPrice;
import dev.tollgate.core.money.Money;
import dev.tollgate.core.money.PriceTable;
import java.math.BigDecimal;
import java.util.Optional;

/**
 * Decides what one deployment costs, in this order: its {@code model_info} prices, its
 * {@code litellm_params} prices, the bundled table (by {@code base_model}, then the upstream model,
 * then the public name), {@code model_info.free: true}. A deployment with none of these is a
 * configuration error: an unpriced model would silently be free and budgets would not hold.
 */
final class DeploymentPriceResolver {
    private static final String INPUT = "input_cost_per_token";
    private static final String OUTPUT = "output_cost_per_token";
    private static final String CACHE_READ = "cache_read_input_token_cost";
    private static final String PRICE_EXPECTATION = "expected a non-negative price in USD per token";

    private final PriceTable table;

    DeploymentPriceResolver(PriceTable table) {
        this.table = table;
    }

    /**
     * @param entry  the {@code model_list[i]} mapping (for error paths)
     * @param model  the {@code litellm_params.model} value, named in the error when nothing prices it
     */
    ModelPrice resolve(
            ConfigNode entry,
            ConfigNode info,
            ConfigNode params,
            String modelName,
            String model,
            String upstreamModel) {
        // Read every price setting up front, so a bad value is reported even when another source wins.
        boolean free = info.bool("free", false);
        Optional<ModelPrice> listed = fromTable(info.string("base_model"), upstreamModel, modelName);
        int maxOutput = info.has("max_output_tokens")
                ? (int) Math.min(Integer.MAX_VALUE, info.nonNegativeLong("max_output_tokens", 0))
                : listed.map(ModelPrice::maxOutputTokens).orElse(0);

        ModelPrice fromInfo = ownPrice(info, maxOutput);
        ModelPrice fromParams = ownPrice(params, maxOutput);
        if (fromInfo != null) {
            return fromInfo;
        }
        if (fromParams != null) {
            return fromParams;
        }
        if (listed.isPresent()) {
            ModelPrice p = listed.get();
            return new ModelPrice(p.inputPicos(), p.outputPicos(), p.cachedInputPicos(), false, maxOutput);
        }
        if (free) {
            return new ModelPrice(0, 0, 0, true, maxOutput);
        }
        throw new ConfigException(entry.path() + ": no price for model '" + model + "'; set model_info." + INPUT
                + " and " + OUTPUT + ", or model_info.free: true");
    }

    private Optional<ModelPrice> fromTable(String baseModel, String upstreamModel, String modelName) {
        for (String candidate : new String[] {baseModel, upstreamModel, modelName}) {
            Optional<ModelPrice> p = table.find(candidate);
            if (p.isPresent()) {
                return p;
            }
        }
        return Optional.empty();
    }

    /** The prices a config section sets itself, or null when it sets none. */
    private static ModelPrice ownPrice(ConfigNode section, int maxOutput) {
        BigDecimal input = price(section, INPUT);
        BigDecimal output = price(section, OUTPUT);
        BigDecimal cacheRead = price(section, CACHE_READ);
        if (input == null && output == null && cacheRead == null) {
            return null;
        }
        if (input == null || output == null) {
            throw new ConfigException(section.path() + ": " + INPUT + " and " + OUTPUT + " must be set together");
        }
        long inputPicos = picos(section, INPUT, input);
        // Without a cache price, cached tokens cost the full input price: never undercharge.
        long cachedPicos = cacheRead == null ? inputPicos : picos(section, CACHE_READ, cacheRead);
        return new ModelPrice(inputPicos, picos(section, OUTPUT, output), cachedPicos, false, maxOutput);
    }

    private static BigDecimal price(ConfigNode section, String key) {
        BigDecimal value = section.decimal(key, PRICE_EXPECTATION);
        if (value != null && value.signum() < 0) {
            throw section.error(key, PRICE_EXPECTATION + ", got " + value.toPlainString());
        }
        return value;
    }

    private static long picos(ConfigNode section, String key, BigDecimal usdPerToken) {
        try {
            return Money.usdPerTokenToPicos(usdPerToken);
        } catch (ArithmeticException e) {
            throw section.error(key, PRICE_EXPECTATION + ", got " + usdPerToken.toPlainString());
        }
    }
}
