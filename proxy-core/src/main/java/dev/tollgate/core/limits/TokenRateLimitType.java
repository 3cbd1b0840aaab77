package dev.tollgate.core.limits;

import dev.tollgate.core.usage.Usage;
import java.util.Locale;
import java.util.Optional;

/**
 * Which tokens count against a customer's TPM limit ({@code general_settings.token_rate_limit_type}):
 * the completion (LiteLLM's default), the prompt, or both. One rule serves both ends of a call: what
 * admission reserves in the window from the estimate, and what the settle counts from the real usage.
 */
public enum TokenRateLimitType {
    OUTPUT("output"),
    INPUT("input"),
    TOTAL("total");

    private final String configValue;

    TokenRateLimitType(String configValue) {
        this.configValue = configValue;
    }

    /** The value as written in {@code config.yaml}. */
    public String configValue() {
        return configValue;
    }

    /** The type named by a config value (any case, surrounding spaces ignored); empty when none is. */
    public static Optional<TokenRateLimitType> fromConfig(String value) {
        String normalized = value.trim().toLowerCase(Locale.ROOT);
        for (TokenRateLimitType t : values()) {
            if (t.configValue.equals(normalized)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    /** Tokens to hold in the TPM window at admission, from the estimated prompt and completion. */
    public long reserve(long promptTokens, long completionTokens) {
        return switch (this) {
            case OUTPUT -> completionTokens;
            case INPUT -> promptTokens;
            case TOTAL -> promptTokens + completionTokens;
        };
    }

    /** Tokens a finished call counts in the TPM window. */
    public long count(Usage usage) {
        return reserve(usage.promptTokens(), usage.completionTokens());
    }
}
