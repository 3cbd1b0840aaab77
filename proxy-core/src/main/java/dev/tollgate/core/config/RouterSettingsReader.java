package dev.tollgate.core.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the router keys ({@link RouterSettings}) from {@code router_settings}, else from
 * {@code litellm_settings}, as LiteLLM's proxy does (its router arguments override the module
 * settings). The sections' key checks stay with their own readers, which list the keys that work
 * as honoured (the others stay in {@link NoEffectKeys}).
 */
final class RouterSettingsReader {
    /** More retries than this are a typo: each one can wait up to the backoff cap. */
    private static final long MAX_RETRIES = 20;

    private RouterSettingsReader() {}

    static RouterSettings read(ConfigNode router, ConfigNode litellm) {
        ConfigNode retriesFrom = router.has("num_retries") ? router : litellm;
        long retries = retriesFrom.nonNegativeLong("num_retries", 0);
        if (retries > MAX_RETRIES) {
            retriesFrom.reject("num_retries", "expected at most " + MAX_RETRIES + ", got " + retries);
            retries = 0;
        }
        long allowedFails = router.nonNegativeLong("allowed_fails", RouterSettings.DEFAULT_ALLOWED_FAILS);
        Duration cooldown = router.seconds("cooldown_time", RouterSettings.DEFAULT_COOLDOWN_TIME);
        Map<String, String> aliases = new LinkedHashMap<>();
        Set<String> hidden = new LinkedHashSet<>();
        aliases(router, aliases, hidden);
        return new RouterSettings(
                (int) retries,
                fallbacks(router, litellm, "fallbacks"),
                fallbacks(router, litellm, "context_window_fallbacks"),
                fallbacks(router, litellm, "content_policy_fallbacks"),
                List.copyOf((router.has("default_fallbacks") ? router : litellm).stringList("default_fallbacks")),
                (int) Math.min(
                        Integer.MAX_VALUE,
                        router.nonNegativeLong("max_fallbacks", RouterSettings.DEFAULT_MAX_FALLBACKS)),
                retryAfter(router),
                (int) Math.min(Integer.MAX_VALUE, allowedFails),
                cooldown,
                !router.bool("disable_cooldowns", false),
                Collections.unmodifiableMap(aliases),
                Collections.unmodifiableSet(hidden));
    }

    /** {@code retry_after}: seconds, 0 allowed. */
    private static Duration retryAfter(ConfigNode router) {
        if (!router.has("retry_after") || "0".equals(router.string("retry_after"))) {
            return Duration.ZERO;
        }
        return router.seconds("retry_after", Duration.ZERO);
    }

    /** {@code [{"gpt-4o": ["gpt-4o-mini", "claude"]}, ...]}; a single mapping counts as a list of one. */
    private static Map<String, List<String>> fallbacks(ConfigNode router, ConfigNode litellm, String key) {
        ConfigNode from = router.has(key) ? router : litellm;
        JsonNode v = from.value(key);
        Map<String, List<String>> out = new LinkedHashMap<>();
        if (v == null) {
            return Map.of();
        }
        List<JsonNode> items = new ArrayList<>();
        if (v.isObject()) {
            items.add(v);
        } else if (v.isArray()) {
            v.forEach(items::add);
        } else {
            from.reject(
                    key, "expected a list of {model_group: [fallback groups]} mappings, got " + ConfigNode.shown(v));
            return Map.of();
        }
        for (int i = 0; i < items.size(); i++) {
            JsonNode item = items.get(i);
            String itemPath = key + "[" + i + "]";
            if (!item.isObject()) {
                from.reject(
                        itemPath, "expected a mapping {model_group: [fallback groups]}, got " + ConfigNode.shown(item));
                continue;
            }
            for (Map.Entry<String, JsonNode> e : item.properties()) {
                List<String> groups = new ArrayList<>();
                JsonNode list = e.getValue();
                if (list.isTextual()) {
                    groups.add(list.textValue());
                } else if (list.isArray()) {
                    for (JsonNode g : list) {
                        if (!g.isTextual()) {
                            from.reject(
                                    itemPath + "." + e.getKey(),
                                    "expected model group names, got " + ConfigNode.shown(g));
                            continue;
                        }
                        groups.add(g.textValue());
                    }
                } else {
                    from.reject(
                            itemPath + "." + e.getKey(),
                            "expected a list of model groups, got " + ConfigNode.shown(list));
                    continue;
                }
                out.put(e.getKey(), List.copyOf(groups));
            }
        }
        return Collections.unmodifiableMap(out);
    }

    /** {@code alias: group} or {@code alias: {model: group, hidden: true}}. */
    private static void aliases(ConfigNode router, Map<String, String> aliases, Set<String> hidden) {
        JsonNode v = router.value("model_group_alias");
        if (v == null) {
            return;
        }
        if (!v.isObject()) {
            router.reject(
                    "model_group_alias", "expected a mapping of alias to model group, got " + ConfigNode.shown(v));
            return;
        }
        for (Map.Entry<String, JsonNode> e : v.properties()) {
            JsonNode target = e.getValue();
            String path = "model_group_alias." + e.getKey();
            if (target.isTextual()) {
                aliases.put(e.getKey(), target.textValue());
            } else if (target.isObject() && target.path("model").isTextual()) {
                aliases.put(e.getKey(), target.path("model").textValue());
                JsonNode h = target.get("hidden");
                if (h != null && (h.asBoolean(false) || "true".equalsIgnoreCase(h.asText()))) {
                    hidden.add(e.getKey());
                }
            } else {
                router.reject(
                        path,
                        "expected a model group name or {model: group, hidden: true|false}, got "
                                + ConfigNode.shown(target));
            }
        }
    }

    /**
     * Warns about fallbacks and aliases naming a model group that is not in {@code model_list}: the
     * call would fail there at run time, as in LiteLLM, so the config still loads.
     */
    static void checkGroups(RouterSettings r, Set<String> groups, ConfigDiagnostics diagnostics) {
        checkFallbackGroups("fallbacks", r.fallbacks(), groups, diagnostics);
        checkFallbackGroups("context_window_fallbacks", r.contextWindowFallbacks(), groups, diagnostics);
        checkFallbackGroups("content_policy_fallbacks", r.contentPolicyFallbacks(), groups, diagnostics);
        checkFallbackGroups("default_fallbacks", Map.of("*", r.defaultFallbacks()), groups, diagnostics);
        r.modelGroupAlias().forEach((alias, group) -> {
            if (!groups.contains(group)) {
                diagnostics.warn("router_settings.model_group_alias." + alias + ": model group \"" + group
                        + "\" is not in model_list");
            }
        });
    }

    private static void checkFallbackGroups(
            String key, Map<String, List<String>> map, Set<String> groups, ConfigDiagnostics diagnostics) {
        map.forEach((from, to) -> {
            for (String g : to) {
                if (!groups.contains(g)) {
                    diagnostics.warn(
                            key + ": fallback \"" + g + "\" of \"" + from + "\" is not a model group in model_list");
                }
            }
        });
    }
}
