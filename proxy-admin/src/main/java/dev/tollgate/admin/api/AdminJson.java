package dev.tollgate.admin.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.admin.budget.BudgetListing;
import dev.tollgate.admin.budget.BudgetRow;
import dev.tollgate.admin.customer.ActivityPage;
import dev.tollgate.admin.customer.CustomerRow;
import dev.tollgate.admin.customer.CustomerView;
import dev.tollgate.admin.customer.DailyUsage;
import dev.tollgate.core.json.Json;
import dev.tollgate.core.money.Money;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Renders admin rows in LiteLLM's JSON shapes. Money leaves as exact decimal USD from nano-dollars
 * (never through a double); times as ISO-8601 UTC strings. Null fields are kept, as upstream's
 * {@code model_dump()} keeps them.
 */
final class AdminJson {
    private AdminJson() {}

    /** USD as a JSON-ready decimal; whole amounts keep one decimal ({@code 10.0}) like Python floats. */
    static BigDecimal usd(long nanos) {
        BigDecimal v = Money.nanosToUsd(nanos);
        return v.scale() < 1 ? v.setScale(1) : v;
    }

    private static void putUsd(ObjectNode o, String field, Long nanos) {
        if (nanos == null) {
            o.putNull(field);
        } else {
            o.put(field, usd(nanos));
        }
    }

    private static void putTime(ObjectNode o, String field, Long epochMs) {
        if (epochMs == null) {
            o.putNull(field);
        } else {
            o.put(field, Instant.ofEpochMilli(epochMs).toString());
        }
    }

    private static void putLong(ObjectNode o, String field, Number v) {
        if (v == null) {
            o.putNull(field);
        } else {
            o.put(field, v.longValue());
        }
    }

    static ObjectNode budget(BudgetRow b) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("budget_id", b.budgetId());
        putUsd(o, "max_budget", b.maxBudgetNanos());
        putUsd(o, "soft_budget", b.softBudgetNanos());
        putLong(o, "max_parallel_requests", b.maxParallelRequests());
        putLong(o, "tpm_limit", b.tpmLimit());
        putLong(o, "rpm_limit", b.rpmLimit());
        o.set("model_max_budget", modelMaxBudget(b));
        o.put("budget_duration", b.budgetDuration());
        putTime(o, "budget_reset_at", b.budgetResetAt());
        putTime(o, "created_at", b.createdAt());
        o.put("created_by", b.createdBy());
        putTime(o, "updated_at", b.updatedAt());
        o.put("updated_by", b.updatedBy());
        return o;
    }

    static JsonNode modelMaxBudget(BudgetRow b) {
        if (b.modelMaxBudget() == null) {
            return Json.MAPPER.nullNode();
        }
        try {
            return Json.MAPPER.readTree(b.modelMaxBudget());
        } catch (JsonProcessingException e) {
            // Only the API writes this column, always as valid JSON; show raw text rather than fail.
            return Json.MAPPER.getNodeFactory().textNode(b.modelMaxBudget());
        }
    }

    static ArrayNode budgets(List<BudgetRow> rows) {
        ArrayNode a = Json.MAPPER.createArrayNode();
        rows.forEach(b -> a.add(budget(b)));
        return a;
    }

    /**
     * {@code /budget/list}, with two fields of Tollgate's own: how many customers use each budget,
     * and which one is the default end-user budget ({@code max_end_user_budget_id}).
     */
    static ArrayNode budgetListings(List<BudgetListing> rows, String defaultBudgetId) {
        ArrayNode a = Json.MAPPER.createArrayNode();
        for (BudgetListing l : rows) {
            a.add(budget(l.budget())
                    .put("customer_count", l.customerCount())
                    .put("is_default", l.budget().budgetId().equals(defaultBudgetId)));
        }
        return a;
    }

    /** The full customer row ({@code /customer/new}, update, list, block). */
    static ObjectNode customer(CustomerView v) {
        CustomerRow r = v.customer();
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("user_id", r.userId());
        o.put("alias", r.alias());
        o.put("spend", usd(v.spendNanos()));
        o.put("allowed_model_region", r.allowedModelRegion());
        o.put("default_model", r.defaultModel());
        o.put("budget_id", r.budgetId());
        o.putNull("object_permission_id");
        o.put("blocked", r.blocked());
        o.set("litellm_budget_table", v.budget() == null ? Json.MAPPER.nullNode() : budget(v.budget()));
        o.putNull("object_permission");
        return o;
    }

    /** The {@code /customer/info} shape (the docs' field order, nulls kept). */
    static ObjectNode customerInfo(CustomerView v) {
        CustomerRow r = v.customer();
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("user_id", r.userId());
        o.put("blocked", r.blocked());
        o.put("alias", r.alias());
        o.put("spend", usd(v.spendNanos()));
        o.put("allowed_model_region", r.allowedModelRegion());
        o.put("default_model", r.defaultModel());
        o.put("budget_id", r.budgetId());
        o.set("litellm_budget_table", v.budget() == null ? Json.MAPPER.nullNode() : budget(v.budget()));
        if (v.budget() != null && v.budget().softBudgetNanos() != null) {
            // Tollgate's addition, present only with a soft budget: the same test as the response header.
            o.put("soft_budget_exceeded", v.spendNanos() >= v.budget().softBudgetNanos());
        }
        if (v.inFlight() != null) {
            // Tollgate's addition, present only with max_parallel_requests: the customer's calls running now.
            o.put("in_flight", v.inFlight());
        }
        if (v.modelSpend() != null) {
            // Tollgate's addition, present only with model_max_budget: each entry's spend in its current period.
            ObjectNode models = o.putObject("model_spend");
            v.modelSpend().forEach((model, nanos) -> models.put(model, usd(nanos)));
        }
        return o;
    }

    static ArrayNode customers(List<CustomerView> views) {
        ArrayNode a = Json.MAPPER.createArrayNode();
        views.forEach(v -> a.add(customer(v)));
        return a;
    }

    static ObjectNode metrics(DailyUsage u) {
        ObjectNode m = Json.MAPPER.createObjectNode();
        m.put("spend", usd(u.spendNanos()));
        m.put("prompt_tokens", u.promptTokens());
        m.put("completion_tokens", u.completionTokens());
        m.put("total_tokens", u.totalTokens());
        m.put("api_requests", u.requests());
        m.put("successful_requests", u.successfulRequests());
        m.put("failed_requests", u.failedRequests());
        return m;
    }

    /** LiteLLM's {@code SpendAnalyticsPaginatedResponse}: per-day metrics with model and customer breakdowns. */
    static ObjectNode activity(ActivityPage p) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        ArrayNode results = root.putArray("results");
        for (String day : p.days()) {
            DailyUsage dayTotal = DailyUsage.ZERO;
            Map<String, DailyUsage> models = new LinkedHashMap<>();
            Map<String, DailyUsage> entities = new LinkedHashMap<>();
            for (DailyUsage u : p.rows()) {
                if (!u.day().equals(day)) {
                    continue;
                }
                dayTotal = dayTotal.plus(u);
                models.merge(u.model(), u, DailyUsage::plus);
                entities.merge(u.customerId(), u, DailyUsage::plus);
            }
            ObjectNode r = results.addObject();
            r.put("date", day);
            r.set("metrics", metrics(dayTotal));
            ObjectNode breakdown = r.putObject("breakdown");
            ObjectNode modelsNode = breakdown.putObject("models");
            models.forEach((model, u) -> modelsNode.putObject(model).set("metrics", metrics(u)));
            ObjectNode entitiesNode = breakdown.putObject("entities");
            entities.forEach((id, u) -> {
                ObjectNode e = entitiesNode.putObject(id);
                e.set("metrics", metrics(u));
                e.putObject("metadata").put("alias", p.aliases().get(id));
            });
        }
        DailyUsage t = p.totals();
        ObjectNode meta = root.putObject("metadata");
        meta.put("total_spend", usd(t.spendNanos()));
        meta.put("total_prompt_tokens", t.promptTokens());
        meta.put("total_completion_tokens", t.completionTokens());
        meta.put("total_tokens", t.totalTokens());
        meta.put("total_api_requests", t.requests());
        meta.put("total_successful_requests", t.successfulRequests());
        meta.put("total_failed_requests", t.failedRequests());
        meta.put("page", p.page());
        meta.put("total_pages", p.totalPages());
        meta.put("has_more", p.hasMore());
        return root;
    }
}
