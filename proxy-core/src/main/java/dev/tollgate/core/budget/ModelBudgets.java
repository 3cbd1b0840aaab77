package dev.tollgate.core.budget;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.core.json.Json;
import dev.tollgate.core.limits.ModelLimits;
import dev.tollgate.core.money.Money;
import java.math.BigDecimal;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code model_max_budget} in LiteLLM's shape: an object keyed by model name, each value an object
 * with {@code max_budget} (USD, alias {@code budget_limit}), {@code budget_duration} (alias
 * {@code time_period}), {@code rpm_limit} and {@code tpm_limit}, at least one of them. Parsed and
 * checked here once, for the admin API (a problem is an {@link IllegalArgumentException} whose
 * message names the model key) and for the catalogue; stored as {@link #canonicalJson()}.
 */
public final class ModelBudgets {
    private static final Set<String> KNOWN_KEYS =
            Set.of("max_budget", "budget_limit", "budget_duration", "time_period", "rpm_limit", "tpm_limit");

    /** Entries by key, in the order written. */
    private final Map<String, ModelBudget> entries;
    /** Where the entries' calendar periods are aligned (the budget time zone). */
    private final ZoneId zone;

    private ModelBudgets(Map<String, ModelBudget> entries, ZoneId zone) {
        this.entries = entries;
        this.zone = zone;
    }

    /** The same entries with periods aligned in {@code zone} (UTC unless set). */
    public ModelBudgets inZone(ZoneId zone) {
        return new ModelBudgets(entries, zone);
    }

    /** The limits of {@code entry} for a call at {@code nowMs}. */
    public ModelLimits limits(ModelBudget entry, long nowMs) {
        return entry.limits(nowMs, zone);
    }

    public Collection<ModelBudget> entries() {
        return entries.values();
    }

    public ModelBudget entry(String model) {
        return entries.get(model);
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    /**
     * The entry that applies to a call, or null: the one keyed by the model name the client sent;
     * otherwise one keyed by a provider-prefixed model of the group's deployments
     * ({@code litellm_params.model}, in the order given); otherwise one keyed by the client's name
     * under any provider prefix ({@code openai/gpt-4o} for {@code gpt-4o}), the first in key order.
     */
    public ModelBudget entryFor(String clientModel, List<String> providerModels) {
        if (clientModel == null) {
            return null;
        }
        ModelBudget exact = entries.get(clientModel);
        if (exact != null) {
            return exact;
        }
        for (String p : providerModels) {
            ModelBudget e = entries.get(p);
            if (e != null) {
                return e;
            }
        }
        ModelBudget prefixed = null;
        for (ModelBudget e : entries.values()) {
            String k = e.model();
            int slash = k.indexOf('/');
            if (slash > 0
                    && k.substring(slash + 1).equals(clientModel)
                    && (prefixed == null || k.compareTo(prefixed.model()) < 0)) {
                prefixed = e;
            }
        }
        return prefixed;
    }

    /** Reads stored (canonical) text; null or blank → null. */
    public static ModelBudgets parseStored(String json) {
        if (json == null || json.isBlank()) {
            return null;
        }
        try {
            return parse(Json.MAPPER.readTree(json));
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("model_max_budget is not JSON: " + e.getMessage(), e);
        }
    }

    /**
     * Checks and reads a {@code model_max_budget} value (not null).
     *
     * @throws IllegalArgumentException naming the model key and the problem
     */
    public static ModelBudgets parse(JsonNode n) {
        if (!n.isObject()) {
            throw new IllegalArgumentException("model_max_budget must be an object mapping model names to settings"
                    + " objects, e.g. {\"gpt-4o\": {\"max_budget\": 0.5, \"budget_duration\": \"1d\"}}. Received: "
                    + n);
        }
        Map<String, ModelBudget> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            out.put(e.getKey(), entry(e.getKey(), e.getValue()));
        }
        return new ModelBudgets(out, ZoneOffset.UTC);
    }

    private static ModelBudget entry(String model, JsonNode v) {
        if (model.isBlank()) {
            throw new IllegalArgumentException(
                    "model_max_budget has an empty model name; use the model's name as the" + " key, e.g. \"gpt-4o\"");
        }
        if (model.length() > 256) {
            throw new IllegalArgumentException(
                    "model_max_budget key '" + model.substring(0, 64) + "...' is longer than 256 characters");
        }
        String where = "model_max_budget['" + model + "']";
        if (!v.isObject()) {
            throw new IllegalArgumentException(where + " must be an object with max_budget, budget_duration,"
                    + " rpm_limit or tpm_limit. Received: " + v);
        }
        for (Iterator<String> names = v.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!KNOWN_KEYS.contains(name)) {
                throw new IllegalArgumentException(where + " has an unknown field '" + name
                        + "'; allowed: max_budget (alias budget_limit), budget_duration (alias time_period),"
                        + " rpm_limit, tpm_limit");
            }
        }
        JsonNode budget = one(v, where, "max_budget", "budget_limit");
        JsonNode duration = one(v, where, "budget_duration", "time_period");
        JsonNode rpm = present(v.get("rpm_limit"));
        JsonNode tpm = present(v.get("tpm_limit"));
        if (budget == null && duration == null && rpm == null && tpm == null) {
            throw new IllegalArgumentException(
                    where + " sets nothing; give at least one of max_budget, budget_duration, rpm_limit, tpm_limit");
        }
        BudgetDuration parsedDuration = null;
        if (duration != null) {
            if (!duration.isTextual()) {
                throw new IllegalArgumentException(
                        where + ".budget_duration must be a string such as \"1d\"." + " Received: " + duration);
            }
            try {
                parsedDuration = BudgetDuration.parse(duration.textValue());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + ".budget_duration: " + e.getMessage(), e);
            }
        }
        return new ModelBudget(
                model,
                budget == null ? -1 : usdNanos(where + ".max_budget", budget),
                parsedDuration,
                rpm == null ? -1 : count(where + ".rpm_limit", rpm),
                tpm == null ? -1 : count(where + ".tpm_limit", tpm));
    }

    /** The value of a field or of its alias; both at once is ambiguous. */
    private static JsonNode one(JsonNode v, String where, String name, String alias) {
        JsonNode a = present(v.get(name));
        JsonNode b = present(v.get(alias));
        if (a != null && b != null) {
            throw new IllegalArgumentException(where + " sets both " + name + " and its alias " + alias);
        }
        return a != null ? a : b;
    }

    private static JsonNode present(JsonNode n) {
        return n == null || n.isNull() ? null : n;
    }

    private static long usdNanos(String field, JsonNode n) {
        if (n.isNumber()) {
            BigDecimal usd = n.decimalValue();
            if (usd.signum() >= 0) {
                try {
                    return Money.usdToNanos(usd);
                } catch (ArithmeticException e) {
                    // falls through: too large
                }
            }
        }
        throw new IllegalArgumentException(field + " must be a non-negative finite number. Received: " + n);
    }

    private static long count(String field, JsonNode n) {
        if (n.isIntegralNumber() && n.canConvertToLong() && n.longValue() >= 0) {
            return n.longValue();
        }
        if (n.isNumber()) {
            try {
                BigDecimal d = n.decimalValue();
                if (d.signum() >= 0) {
                    return d.longValueExact();
                }
            } catch (ArithmeticException e) {
                // falls through: not whole
            }
        }
        throw new IllegalArgumentException(field + " must be a non-negative integer. Received: " + n);
    }

    /** LiteLLM's shape with canonical names, exact money, unset limits left out. */
    public ObjectNode toJson() {
        ObjectNode o = Json.MAPPER.createObjectNode();
        for (ModelBudget e : entries.values()) {
            ObjectNode v = o.putObject(e.model());
            if (e.maxBudgetNanos() >= 0) {
                BigDecimal usd = Money.nanosToUsd(e.maxBudgetNanos());
                v.put("max_budget", usd.scale() < 1 ? usd.setScale(1) : usd);
            }
            if (e.duration() != null) {
                v.put("budget_duration", e.duration().text());
            }
            if (e.rpmLimit() >= 0) {
                v.put("rpm_limit", e.rpmLimit());
            }
            if (e.tpmLimit() >= 0) {
                v.put("tpm_limit", e.tpmLimit());
            }
        }
        return o;
    }

    /** {@link #toJson()} as text: what the {@code model_max_budget} column stores. */
    public String canonicalJson() {
        return Json.string(toJson());
    }

    /** The keys, in the order written. */
    public List<String> models() {
        return new ArrayList<>(entries.keySet());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModelBudgets other && entries.equals(other.entries) && zone.equals(other.zone);
    }

    @Override
    public int hashCode() {
        return entries.hashCode() * 31 + zone.hashCode();
    }

    @Override
    public String toString() {
        return canonicalJson();
    }
}
