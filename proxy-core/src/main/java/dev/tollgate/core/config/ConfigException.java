package dev.tollgate.core.config;

import java.util.List;

/**
 * An invalid configuration. Each problem is one line that starts with its key path, e.g.
 * {@code model_list[2].litellm_params.timeout: expected a positive number of seconds, got "x"}. A
 * config with several problems reports them all at once: the message is then a first line that
 * counts them, followed by one indented line per problem.
 */
public final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final List<String> problems;

    public ConfigException(String message) {
        this(List.of(message), null);
    }

    public ConfigException(String message, Throwable cause) {
        this(List.of(message), cause);
    }

    /** Every problem found in one pass over a config, in the order of the file. */
    public ConfigException(List<String> problems) {
        this(problems, null);
    }

    private ConfigException(List<String> problems, Throwable cause) {
        super(render(problems), cause);
        this.problems = List.copyOf(problems);
    }

    /** The problems, one line each. */
    public List<String> problems() {
        return problems;
    }

    private static String render(List<String> problems) {
        if (problems.size() == 1) {
            return problems.get(0);
        }
        return problems.size() + " problems:\n  " + String.join("\n  ", problems);
    }
}
