package dev.tollgate.core.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * What reading a config found besides the config itself: errors (all of them, so one start reports
 * every problem), unknown keys, keys Tollgate accepts without effect, and other warnings.
 */
final class ConfigDiagnostics {
    /** A set: a value read twice (an unset variable, say) is reported once. */
    private final Set<String> errors = new LinkedHashSet<>();

    private final List<String> unknownKeys = new ArrayList<>();
    private final Map<String, String> noEffect = new LinkedHashMap<>();
    private final List<String> warnings = new ArrayList<>();

    void error(String line) {
        errors.add(line);
    }

    void error(ConfigException e) {
        errors.addAll(e.problems());
    }

    int errorCount() {
        return errors.size();
    }

    /** Runs one read; a {@link ConfigException} is recorded and {@code fallback} returned, so reading goes on. */
    <T> T attempt(Supplier<T> read, T fallback) {
        try {
            return read.get();
        } catch (ConfigException e) {
            error(e);
            return fallback;
        }
    }

    /** Fails with every recorded error, if there is any. */
    void throwIfErrors() {
        if (!errors.isEmpty()) {
            throw new ConfigException(List.copyOf(errors));
        }
    }

    void unknownKey(String path) {
        unknownKeys.add(path);
    }

    /**
     * A LiteLLM key Tollgate accepts but does not act on. Paths inside {@code model_list} are
     * collapsed to {@code model_list[*]}, so a key set on every deployment is named once.
     */
    void noEffect(String path, String reason) {
        noEffect.putIfAbsent(path.replaceFirst("^model_list\\[\\d+]", "model_list[*]"), reason);
    }

    void warn(String message) {
        warnings.add(message);
    }

    List<String> unknownKeys() {
        return List.copyOf(unknownKeys);
    }

    /** Each key without effect, with the reason when it matters ({@code key (reason)}), in file order. */
    List<String> noEffectKeys() {
        List<String> out = new ArrayList<>(noEffect.size());
        noEffect.forEach((key, reason) -> out.add(reason == null ? key : key + " (" + reason + ")"));
        return out;
    }

    List<String> warnings() {
        return List.copyOf(warnings);
    }
}
