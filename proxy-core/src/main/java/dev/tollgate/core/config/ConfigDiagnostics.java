package dev.tollgate.core.config;

import java.util.ArrayList;
import java.util.List;

/** Non-fatal findings collected while reading a config: unknown keys and deprecation warnings. */
final class ConfigDiagnostics {
    private final List<String> unknownKeys = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();

    void unknownKey(String path) {
        unknownKeys.add(path);
    }

    void warn(String message) {
        warnings.add(message);
    }

    List<String> unknownKeys() {
        return List.copyOf(unknownKeys);
    }

    List<String> warnings() {
        return List.copyOf(warnings);
    }
}
