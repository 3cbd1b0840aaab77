package dev.tollgate.core.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.tollgate.core.money.PriceTable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads LiteLLM's {@code config.yaml} into a validated {@link TollgateConfig}. Values written as
 * {@code os.environ/NAME} are read from {@code env}. Invalid values fail with a
 * {@link ConfigException} whose message starts with the key path; unknown keys only produce one
 * WARN line, so a LiteLLM config with settings Tollgate does not use still loads.
 */
public final class ConfigLoader {
    private static final Logger LOG = LoggerFactory.getLogger(ConfigLoader.class);

    /** Same number handling as {@code Json.MAPPER}: decimals as BigDecimal, so prices stay exact. */
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private static final Set<String> TOP_LEVEL_KEYS =
            Set.of("model_list", "general_settings", "litellm_settings", "router_settings", "environment_variables");

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

    /** Logs the non-fatal findings of a loaded config (one WARN line each). */
    public static void logFindings(LoadedConfig loaded, String sourceName) {
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
        ConfigNode root = ConfigNode.root(tree, Map.copyOf(env), diagnostics);
        root.checkKeys(TOP_LEVEL_KEYS);

        ConfigNode litellmNode = root.section("litellm_settings");
        LitellmSettings litellm = LitellmSettingsReader.read(litellmNode);
        GeneralSettings general = GeneralSettingsReader.read(
                root.section("general_settings"), root.section("router_settings"), litellmNode);
        List<ModelDeployment> models = readModels(root, general);
        TollgateConfig config = new TollgateConfig(List.copyOf(models), general, litellm);
        if (general.reservationTtl() != null && general.reservationTtl().compareTo(config.longestCall()) <= 0) {
            diagnostics.warn("general_settings.reservation_ttl_seconds ("
                    + general.reservationTtl().toSeconds()
                    + " s) does not exceed the longest call timeout ("
                    + config.longestCall().toSeconds()
                    + " s): a call running that long stops holding its budget reservation before it ends");
        }
        return new LoadedConfig(config, diagnostics.unknownKeys(), diagnostics.warnings());
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

    private static List<ModelDeployment> readModels(ConfigNode root, GeneralSettings general) {
        List<ConfigNode> entries = root.sections("model_list", false);
        if (entries.isEmpty()) {
            throw new ConfigException("model_list: at least one model is required");
        }
        DeploymentReader reader = new DeploymentReader(new DeploymentPriceResolver(PriceTable.bundled()));
        List<ModelDeployment> models = new ArrayList<>(entries.size());
        Map<String, Integer> ids = new HashMap<>();
        for (int i = 0; i < entries.size(); i++) {
            ModelDeployment d = reader.read(entries.get(i), i, general.requestTimeout());
            Integer previous = ids.putIfAbsent(d.id(), i);
            if (previous != null) {
                throw new ConfigException("model_list[" + i + "].model_info.id: duplicate id \"" + d.id()
                        + "\" (also used by model_list[" + previous + "])");
            }
            models.add(d);
        }
        return models;
    }
}
