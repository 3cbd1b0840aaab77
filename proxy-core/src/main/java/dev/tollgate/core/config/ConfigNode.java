package dev.tollgate.core.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Typed, path-aware reads from one mapping of the YAML tree. Every error names the full key path
 * ({@code model_list[0].litellm_params.timeout: ...}), and every string goes through
 * {@code os.environ/NAME} resolution, so readers never handle either concern themselves.
 * An absent or null mapping reads as empty, so all its values take their defaults.
 */
final class ConfigNode {
    static final String ENV_PREFIX = "os.environ/";
    private static final Pattern YAML11_GROUPED_INT = Pattern.compile("[0-9]+(_[0-9]+)+");

    private final JsonNode node;
    private final String path;
    private final Map<String, String> env;
    private final ConfigDiagnostics diagnostics;

    private ConfigNode(JsonNode node, String path, Map<String, String> env, ConfigDiagnostics diagnostics) {
        this.node = node;
        this.path = path;
        this.env = env;
        this.diagnostics = diagnostics;
    }

    static ConfigNode root(JsonNode node, Map<String, String> env, ConfigDiagnostics diagnostics) {
        return new ConfigNode(node, "", env, diagnostics);
    }

    String path() {
        return path;
    }

    String path(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    ConfigDiagnostics diagnostics() {
        return diagnostics;
    }

    Map<String, String> env() {
        return env;
    }

    /** True when the key is present with a non-null value. */
    boolean has(String key) {
        JsonNode v = raw(key);
        return v != null && !v.isNull();
    }

    /** The raw value of {@code key} (not env-resolved); null when absent or null. */
    JsonNode value(String key) {
        JsonNode v = raw(key);
        return v == null || v.isNull() ? null : v;
    }

    private JsonNode raw(String key) {
        return node == null ? null : node.get(key);
    }

    /** Records every key of this mapping that is not in {@code known} as unknown. */
    void checkKeys(Set<String> known) {
        checkKeys(known, Map.of());
    }

    /**
     * Sorts the keys of this mapping: {@code honoured} ones are read by the caller; {@code noEffect}
     * ones are named in the startup warning of keys without effect (unless set to a harmless
     * {@code false}); any other key is unknown.
     */
    void checkKeys(Set<String> honoured, Map<String, String> noEffect) {
        if (node == null) {
            return;
        }
        for (Map.Entry<String, JsonNode> property : node.properties()) {
            String key = property.getKey();
            if (honoured.contains(key)) {
                continue;
            }
            if (noEffect.containsKey(key)) {
                JsonNode v = property.getValue();
                boolean off = v.isNull()
                        || (NoEffectKeys.HARMLESS_WHEN_FALSE.contains(key)
                                && (v.isBoolean() ? !v.booleanValue() : "false".equalsIgnoreCase(v.asText())));
                if (!off) {
                    diagnostics.noEffect(path(key), noEffect.get(key));
                }
                continue;
            }
            diagnostics.unknownKey(path(key));
        }
    }

    /** Records a problem with {@code key} (one error line) and lets reading go on. */
    void reject(String key, String message) {
        diagnostics.error(path(key) + ": " + message);
    }

    /** A nested mapping; absent or null gives an empty one. */
    ConfigNode section(String key) {
        JsonNode v = raw(key);
        if (v != null && !v.isNull() && !v.isObject()) {
            reject(key, "expected a mapping, got " + shown(v));
            v = null;
        }
        return new ConfigNode(v == null || v.isNull() ? null : v, path(key), env, diagnostics);
    }

    /**
     * The mappings of a list ({@code key[0]}, {@code key[1]}, ...); a single mapping counts as a
     * list of one when {@code singleAllowed}. Absent or null gives an empty list.
     */
    List<ConfigNode> sections(String key, boolean singleAllowed) {
        JsonNode v = raw(key);
        List<ConfigNode> out = new ArrayList<>();
        if (v == null || v.isNull()) {
            return out;
        }
        if (v.isObject() && singleAllowed) {
            out.add(new ConfigNode(v, path(key), env, diagnostics));
            return out;
        }
        if (!v.isArray()) {
            reject(key, "expected a list, got " + shown(v));
            return out;
        }
        for (int i = 0; i < v.size(); i++) {
            String itemPath = path(key) + "[" + i + "]";
            JsonNode item = v.get(i);
            if (!item.isObject()) {
                diagnostics.error(itemPath + ": expected a mapping, got " + shown(item));
                continue;
            }
            out.add(new ConfigNode(item, itemPath, env, diagnostics));
        }
        return out;
    }

    /** A string (numbers and booleans as written), env-resolved; null when absent or null. */
    String string(String key) {
        return diagnostics.attempt(
                () -> {
                    JsonNode v = raw(key);
                    if (v == null || v.isNull()) {
                        return null;
                    }
                    if (v.isContainerNode()) {
                        throw error(key, "expected a string, got " + shown(v));
                    }
                    return resolveEnv(key, v.asText());
                },
                null);
    }

    /** A non-blank string, else an error naming the key. */
    String requiredString(String key) {
        String s = string(key);
        if (s == null || s.isBlank()) {
            throw error(key, "is required");
        }
        return s;
    }

    /** A list of strings; a single string counts as a list of one. Absent or null gives an empty list. */
    List<String> stringList(String key) {
        return diagnostics.attempt(
                () -> {
                    JsonNode v = raw(key);
                    List<String> out = new ArrayList<>();
                    if (v == null || v.isNull()) {
                        return out;
                    }
                    if (v.isArray()) {
                        for (int i = 0; i < v.size(); i++) {
                            JsonNode item = v.get(i);
                            String itemPath = key + "[" + i + "]";
                            if (item.isContainerNode() || item.isNull()) {
                                throw error(itemPath, "expected a string, got " + shown(item));
                            }
                            out.add(resolveEnv(itemPath, item.asText()));
                        }
                        return out;
                    }
                    out.add(string(key));
                    return out;
                },
                new ArrayList<>());
    }

    boolean bool(String key, boolean defaultValue) {
        return diagnostics.attempt(
                () -> {
                    JsonNode v = resolved(key);
                    if (v == null) {
                        return defaultValue;
                    }
                    if (v.isBoolean()) {
                        return v.booleanValue();
                    }
                    if (v.isTextual()
                            && ("true".equalsIgnoreCase(v.textValue()) || "false".equalsIgnoreCase(v.textValue()))) {
                        return Boolean.parseBoolean(v.textValue());
                    }
                    throw error(key, "expected true or false, got " + shown(v));
                },
                defaultValue);
    }

    /** A decimal number (numbers are read as BigDecimal, so prices stay exact); null when absent. */
    BigDecimal decimal(String key, String expectation) {
        return diagnostics.attempt(
                () -> {
                    JsonNode v = resolved(key);
                    return v == null ? null : decimalValue(path(key), v, expectation);
                },
                null);
    }

    /** A non-negative whole number, or {@code defaultValue} when absent. */
    long nonNegativeLong(String key, long defaultValue) {
        return diagnostics.attempt(
                () -> {
                    JsonNode v = resolved(key);
                    if (v == null) {
                        return defaultValue;
                    }
                    String expectation = "expected a non-negative integer";
                    BigDecimal d = decimalValue(path(key), v, expectation);
                    if (d.signum() < 0 || d.stripTrailingZeros().scale() > 0) {
                        throw error(key, expectation + ", got " + shown(v));
                    }
                    try {
                        return d.longValueExact();
                    } catch (ArithmeticException e) {
                        throw error(key, expectation + ", got " + shown(v));
                    }
                },
                defaultValue);
    }

    /** A positive whole number, or {@code defaultValue} when absent. */
    long positiveLong(String key, long defaultValue) {
        return diagnostics.attempt(
                () -> {
                    long value = nonNegativeLong(key, defaultValue);
                    if (value == 0 && has(key)) {
                        throw error(key, "expected a positive integer, got " + shown(resolved(key)));
                    }
                    return value;
                },
                defaultValue);
    }

    /** A positive number of seconds (fractions allowed), or {@code defaultValue} when absent. */
    Duration seconds(String key, Duration defaultValue) {
        return diagnostics.attempt(
                () -> {
                    JsonNode v = resolved(key);
                    return v == null ? defaultValue : secondsValue(path(key), v);
                },
                defaultValue);
    }

    /** Converts a value at {@code path} to a positive duration in seconds. */
    static Duration secondsValue(String path, JsonNode v) {
        String expectation = "expected a positive number of seconds";
        BigDecimal seconds = decimalValue(path, v, expectation);
        // Cap at a year: larger values are typos, and nanos of a year still fit a long.
        if (seconds.signum() <= 0 || seconds.compareTo(BigDecimal.valueOf(366L * 86_400)) > 0) {
            throw new ConfigException(path + ": " + expectation + ", got " + shown(v));
        }
        return Duration.ofNanos(seconds.movePointRight(9).longValue());
    }

    private static BigDecimal decimalValue(String path, JsonNode v, String expectation) {
        if (v.isNumber()) {
            return v.decimalValue();
        }
        if (v.isTextual()) {
            String text = v.textValue().trim();
            if (YAML11_GROUPED_INT.matcher(text).matches()) {
                text = text.replace("_", ""); // 20_000: an integer in YAML 1.1 and Python, a string to Jackson
            }
            try {
                return new BigDecimal(text);
            } catch (NumberFormatException e) {
                // fall through to the error below
            }
        }
        throw new ConfigException(path + ": " + expectation + ", got " + shown(v));
    }

    /** The value with a textual {@code os.environ/NAME} replaced by the variable; null when absent or null. */
    private JsonNode resolved(String key) {
        JsonNode v = raw(key);
        if (v == null || v.isNull()) {
            return null;
        }
        if (v.isTextual() && v.textValue().startsWith(ENV_PREFIX)) {
            return TextNode.valueOf(resolveEnv(key, v.textValue()));
        }
        return v;
    }

    private String resolveEnv(String key, String text) {
        if (!text.startsWith(ENV_PREFIX)) {
            return text;
        }
        String name = text.substring(ENV_PREFIX.length());
        String value = env.get(name);
        if (value == null) {
            throw error(key, "environment variable " + name + " is not set");
        }
        return value;
    }

    ConfigException error(String key, String message) {
        return new ConfigException(path(key) + ": " + message);
    }

    /** A value as it appears in error messages: strings quoted, everything else as JSON. */
    static String shown(JsonNode v) {
        return v.isTextual() ? "\"" + v.textValue() + "\"" : v.toString();
    }
}
