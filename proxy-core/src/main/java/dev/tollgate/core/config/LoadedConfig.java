package dev.tollgate.core.config;

import java.util.List;

/**
 * A loaded config with the non-fatal findings of reading it.
 *
 * @param unknownKeys  key paths neither Tollgate nor LiteLLM's reference knows, e.g. {@code general_settings.foo}
 *                     (ignored; often a typo)
 * @param noEffectKeys LiteLLM keys the config sets that Tollgate accepts without acting on them, each as
 *                     {@code path} or {@code path (what the operator does not get)}
 * @param warnings     other findings: settings replaced by a fallback, risky combinations
 */
public record LoadedConfig(
        TollgateConfig config, List<String> unknownKeys, List<String> noEffectKeys, List<String> warnings) {}
