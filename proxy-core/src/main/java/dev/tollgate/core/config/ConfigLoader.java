package dev.tollgate.core.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.tollgate.core.money.PriceCatalogues;
import dev.tollgate.core.money.PriceTable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads LiteLLM's {@code config.yaml} into a validated {@link TollgateConfig}. Values written as
 * {@code os.environ/NAME} are read from {@code env} and the config's own
 * {@code environment_variables}. The whole file is read in one pass: every invalid value is
 * collected and they fail together in one {@link ConfigException}, one line per problem, each
 * starting with its key path. LiteLLM keys Tollgate does not act on and unknown keys produce one
 * WARN line each kind, so a LiteLLM config with settings Tollgate does not use still loads.
 */
public final class ConfigLoader {
    private static final Logger LOG = LoggerFactory.getLogger(ConfigLoader.class);

    /** Same number handling as {@code Json.MAPPER}: decimals as BigDecimal, so prices stay exact. */
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private static final Set<String> TOP_LEVEL_KEYS =
            Set.of("model_list", "general_settings", "litellm_settings", "router_settings", "environment_variables");
    private static final LitellmSettings DEFAULT_LITELLM =
            new LitellmSettings(null, ZoneOffset.UTC, false, false, 100, false);

    private ConfigLoader() {}

    /** Reads and validates {@code file}, logging unknown keys and warnings. */
    public static TollgateConfig load(Path file, Map<String, String> env) {
        LoadedConfig loaded = read(file, env);
        logFindings(loaded, file.toString());
        return loaded.config();
    }

    /** Reads and validates {@code file}; returns the findings instead of logging them. */
    public static LoadedConfig read(Path file, Map<String, String> env) {
        String yaml;
        try {
            yaml = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read config: " + e.getMessage(), e);
        }
        return read(yaml, env, file.toString());
    }

    /** Parses and validates a config text, logging unknown keys and warnings. */
    public static TollgateConfig parse(String yaml, Map<String, String> env, String sourceName) {
        LoadedConfig loaded = read(yaml, env, sourceName);
        logFindings(loaded, sourceName);
        return loaded.config();
    }

    /** Logs the non-fatal findings of a loaded config: one WARN line per kind, then one per other warning. */
    public static void logFindings(LoadedConfig loaded, String sourceName) {
        if (!loaded.noEffectKeys().isEmpty()) {
            LOG.warn(
                    "{}: these keys have no effect in Tollgate: {}",
                    sourceName,
                    String.join(", ", loaded.noEffectKeys()));
        }
        if (!loaded.unknownKeys().isEmpty()) {
            LOG.warn("{}: ignoring unknown config keys: {}", sourceName, String.join(", ", loaded.unknownKeys()));
        }
        for (String warning : loaded.warnings()) {
            LOG.warn("{}: {}", sourceName, warning);
        }
    }

    /** Parses and validates a config text; returns the findings instead of logging them. */
    public static LoadedConfig read(String yaml, Map<String, String> env, String sourceName) {
        JsonNode tree = parseYaml(yaml, sourceName);
        if (tree == null || tree.isNull() || tree.isMissingNode() || (tree.isObject() && tree.isEmpty())) {
            throw new ConfigException("model_list: at least one model is required (" + sourceName + " is empty)");
        }
        if (!tree.isObject()) {
            throw new ConfigException(sourceName + ": expected a mapping at the top level");
        }
        ConfigDiagnostics diagnostics = new ConfigDiagnostics();
        ConfigNode root = ConfigNode.root(tree, withConfigVariables(tree, env, diagnostics), diagnostics);
        root.checkKeys(TOP_LEVEL_KEYS, NoEffectKeys.TOP_LEVEL);

        ConfigNode litellmNode = root.section("litellm_settings");
        LitellmSettings litellm = diagnostics.attempt(() -> LitellmSettingsReader.read(litellmNode), DEFAULT_LITELLM);
        GeneralSettings general = diagnostics.attempt(
                () -> GeneralSettingsReader.read(
                        root.section("general_settings"), root.section("router_settings"), litellmNode),
                null);
        RouterSettings router = diagnostics.attempt(
                () -> RouterSettingsReader.read(root.section("router_settings"), litellmNode), RouterSettings.DEFAULTS);
        ProxyBudgetSettings proxyBudget =
                diagnostics.attempt(() -> ProxyBudgetReader.read(litellmNode), ProxyBudgetSettings.NONE);
        List<ModelDeployment> models = readModels(root, general, diagnostics);
        diagnostics.throwIfErrors();
        TollgateConfig config = new TollgateConfig(List.copyOf(models), general, litellm, router, proxyBudget);
        RouterSettingsReader.checkGroups(router, config.modelGroups().keySet(), diagnostics);
        if (general.reservationTtl() != null && general.reservationTtl().compareTo(config.longestCall()) <= 0) {
            diagnostics.warn("general_settings.reservation_ttl_seconds ("
                    + general.reservationTtl().toSeconds()
                    + " s) does not exceed the longest call timeout ("
                    + config.longestCall().toSeconds()
                    + " s): a call running that long stops holding its budget reservation before it ends");
        }
        return new LoadedConfig(config, diagnostics.unknownKeys(), diagnostics.noEffectKeys(), diagnostics.warnings());
    }

    /**
     * The environment seen by {@code os.environ/NAME}: the process's, overridden by the config's
     * {@code environment_variables} (LiteLLM sets those in its process environment at startup).
     */
    private static Map<String, String> withConfigVariables(
            JsonNode tree, Map<String, String> env, ConfigDiagnostics diagnostics) {
        JsonNode vars = tree.get("environment_variables");
        if (vars == null || vars.isNull()) {
            return Map.copyOf(env);
        }
        if (!vars.isObject()) {
            diagnostics.error("environment_variables: expected a mapping, got " + ConfigNode.shown(vars));
            return Map.copyOf(env);
        }
        Map<String, String> merged = new HashMap<>(env);
        for (Map.Entry<String, JsonNode> v : vars.properties()) {
            JsonNode value = v.getValue();
            if (value.isContainerNode()) {
                diagnostics.error("environment_variables." + v.getKey() + ": expected a string, got " + value);
            } else if (value.isNull()) {
                merged.remove(v.getKey());
            } else {
                merged.put(v.getKey(), value.asText());
            }
        }
        return Map.copyOf(merged);
    }

    private static JsonNode parseYaml(String yaml, String sourceName) {
        if (yaml == null || yaml.isBlank()) {
            return null;
        }
        try {
            return YAML.readTree(yaml);
        } catch (JsonProcessingException e) {
            throw new ConfigException(sourceName + ": invalid YAML: " + e.getOriginalMessage(), e);
        }
    }

    private static List<ModelDeployment> readModels(
            ConfigNode root, GeneralSettings general, ConfigDiagnostics diagnostics) {
        int errorsBefore = diagnostics.errorCount();
        List<ConfigNode> entries = root.sections("model_list", false);
        if (entries.isEmpty()) {
            if (diagnostics.errorCount() == errorsBefore) {
                diagnostics.error("model_list: at least one model is required");
            }
            return List.of();
        }
        DeploymentReader reader = new DeploymentReader(
                priceResolver(general, diagnostics), general != null && general.usageBasedRouting());
        Duration timeout = general == null ? GeneralSettingsReader.DEFAULT_REQUEST_TIMEOUT : general.requestTimeout();
        List<ModelDeployment> models = new ArrayList<>(entries.size());
        Map<String, String> ids = new HashMap<>();
        for (int i = 0; i < entries.size(); i++) {
            ConfigNode entry = entries.get(i);
            int index = i;
            ModelDeployment d = diagnostics.attempt(() -> reader.read(entry, index, timeout), null);
            if (d == null) {
                continue;
            }
            String previous = ids.putIfAbsent(d.id(), entry.path());
            if (previous != null) {
                diagnostics.error(entry.path() + ".model_info.id: duplicate id \"" + d.id() + "\" (also used by "
                        + previous + ")");
            }
            models.add(d);
        }
        return models;
    }

    /**
     * Prices from {@code general_settings.price_catalogue} when set, else the bundled catalogue. A
     * catalogue that cannot be read is a config error; the models are then still checked against the
     * bundled one, so the same start reports their problems too.
     */
    private static DeploymentPriceResolver priceResolver(GeneralSettings general, ConfigDiagnostics diagnostics) {
        String location = general == null ? null : general.priceCatalogue();
        if (location != null && !location.isBlank()) {
            try {
                PriceTable table = PriceCatalogues.read(location.trim());
                return new DeploymentPriceResolver(table, "the price catalogue " + location.trim());
            } catch (IllegalArgumentException e) {
                diagnostics.error("general_settings.price_catalogue: " + e.getMessage());
            }
        }
        PriceTable bundled = PriceTable.bundled();
        return new DeploymentPriceResolver(
                bundled, "the bundled price catalogue (LiteLLM's, as of " + bundled.pricesAsOf() + ")");
    }
}
