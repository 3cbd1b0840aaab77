package dev.tollgate.admin.api;

import java.time.ZoneId;
import java.util.Objects;
import java.util.Set;

/**
 * Configuration the admin API needs from the proxy config.
 *
 * @param modelNames      public model names on the proxy ({@code model_list[].model_name}), for {@code default_model} checks
 * @param timezone        {@code litellm_settings.timezone}, in which budget resets are calendar-aligned
 * @param defaultBudgetId {@code litellm_settings.max_end_user_budget_id}, or null
 */
public record AdminSettings(Set<String> modelNames, ZoneId timezone, String defaultBudgetId) {
    public AdminSettings {
        modelNames = Set.copyOf(modelNames);
        Objects.requireNonNull(timezone, "timezone");
    }
}
