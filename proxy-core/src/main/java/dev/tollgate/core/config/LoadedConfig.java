package dev.tollgate.core.config;

import java.util.List;

/**
 * A loaded config with the non-fatal findings of reading it.
 *
 * @param unknownKeys key paths Tollgate does not know, e.g. {@code general_settings.foo} (ignored)
 * @param warnings    deprecations and settings accepted but not honoured
 */
public record LoadedConfig(TollgateConfig config, List<String> unknownKeys, List<String> warnings) {}
