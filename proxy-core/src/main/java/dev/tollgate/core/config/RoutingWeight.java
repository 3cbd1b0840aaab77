package dev.tollgate.core.config;

/**
 * What {@code simple-shuffle} weighs a deployment by, as LiteLLM does: {@code litellm_params.weight}
 * when any deployment of the group sets one, else {@code rpm}, else {@code tpm} (each from
 * {@code litellm_params} or the entry itself). Negative means "not set".
 */
public record RoutingWeight(double weight, long rpm, long tpm) {
    public static final RoutingWeight NONE = new RoutingWeight(-1, -1, -1);
}
