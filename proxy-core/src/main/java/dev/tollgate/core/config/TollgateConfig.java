package dev.tollgate.core.config;

import java.util.List;
import java.util.Map;

/**
 * The loaded, validated {@code config.yaml} (LiteLLM's format). Immutable; built by
 * {@link ConfigLoader}.
 */
public record TollgateConfig(List<ModelDeployment> models, GeneralSettings general, LitellmSettings litellm) {

    /** Deployments grouped by public model name, in config order. */
    public Map<String, List<ModelDeployment>> modelGroups() {
        Map<String, List<ModelDeployment>> groups = new java.util.LinkedHashMap<>();
        for (ModelDeployment d : models) {
            groups.computeIfAbsent(d.modelName(), k -> new java.util.ArrayList<>()).add(d);
        }
        return groups;
    }
}
