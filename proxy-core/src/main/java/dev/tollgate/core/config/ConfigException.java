package dev.tollgate.core.config;

/** An invalid configuration; the message names the key path, e.g. {@code model_list[2].litellm_params.timeout}. */
public final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
