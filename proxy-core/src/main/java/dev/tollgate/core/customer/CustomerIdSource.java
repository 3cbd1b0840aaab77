package dev.tollgate.core.customer;

import java.util.List;
import java.util.Locale;

/**
 * A place a call can name its customer in; {@code general_settings.customer_id_sources} lists
 * them in the order they are tried.
 */
public enum CustomerIdSource {
    /**
     * Headers {@code x-litellm-customer-id}, {@code x-litellm-end-user-id}, then the configured ones
     * ({@code user_header_mappings} with role customer, {@code user_header_name}).
     */
    HEADER,
    /** Body {@code user} (OpenAI's field, deprecated by the current SDKs but still sent by most clients). */
    USER,
    /** Body {@code safety_identifier}, the field the current OpenAI SDKs send instead of {@code user}. */
    SAFETY_IDENTIFIER,
    /** Body {@code litellm_metadata.user}, then {@code metadata.user_id} (each an object or a JSON string). */
    METADATA;

    /** LiteLLM's order, with {@code safety_identifier} right after {@code user}. */
    public static final List<CustomerIdSource> DEFAULT_ORDER = List.of(HEADER, USER, SAFETY_IDENTIFIER, METADATA);

    /** The name used in config.yaml ({@code header}, {@code user}, {@code safety_identifier}, {@code metadata}). */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The source of a config name, or null when there is none. */
    public static CustomerIdSource fromConfigName(String name) {
        for (CustomerIdSource s : values()) {
            if (s.configName().equals(name)) {
                return s;
            }
        }
        return null;
    }
}
