package dev.tollgate.core.config;

import dev.tollgate.core.money.ModelPrice;
import java.time.Duration;

/**
 * One {@code model_list} entry.
 *
 * @param modelName     public name clients send as {@code model}
 * @param provider      {@code openai}, {@code azure}, {@code mistral}, {@code hosted_vllm}, ... (text before the first '/')
 * @param upstreamModel model name sent upstream (text after the first '/')
 * @param apiBase       base URL, e.g. {@code https://api.openai.com/v1} (the provider's own when the config sets
 *                      none); null only for a mock deployment
 * @param mockResponse  when non-null the built-in mock answers with this text, without network
 * @param price         resolved prices (deployment's own, else the bundled table, else {@code free})
 * @param timeout       total upstream timeout
 * @param routing       what simple-shuffle weighs it by
 */
public record ModelDeployment(
        String modelName,
        String provider,
        String upstreamModel,
        String apiBase,
        String apiKey,
        String apiVersion,
        String mockResponse,
        ModelPrice price,
        String regionName,
        Duration timeout,
        String id,
        RoutingWeight routing) {

    /** A deployment without routing weights. */
    public ModelDeployment(
            String modelName,
            String provider,
            String upstreamModel,
            String apiBase,
            String apiKey,
            String apiVersion,
            String mockResponse,
            ModelPrice price,
            String regionName,
            Duration timeout,
            String id) {
        this(
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
                RoutingWeight.NONE);
    }

    public boolean isMock() {
        return mockResponse != null;
    }
}
