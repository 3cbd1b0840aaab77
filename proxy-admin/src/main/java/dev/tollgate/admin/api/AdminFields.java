package dev.tollgate.admin.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.admin.budget.BudgetInput;
import dev.tollgate.core.budget.ModelBudgets;
import dev.tollgate.core.customer.CustomerIds;
import dev.tollgate.core.error.ErrorKind;
import dev.tollgate.core.error.TollgateException;
import dev.tollgate.core.money.Money;
import dev.tollgate.core.text.StoredText;
import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Type checks for admin request bodies: each reader returns null for an absent or null field and
 * throws a 400 naming the field for a value of the wrong type. Unknown fields are ignored, as
 * pydantic does upstream. Text that is stored is checked against its column here, before any
 * database work ({@link StoredText}): a value that does not fit is a 400 naming the field, never a
 * database error.
 */
final class AdminFields {
    /** Width of {@code tg_budget.budget_id} and {@code tg_customer.budget_id}. */
    static final int BUDGET_ID_UNITS = 256;
    /** Width of {@code tg_customer.alias}. */
    static final int ALIAS_UNITS = 512;
    /** Width of {@code tg_customer.default_model}. */
    static final int MODEL_UNITS = 256;

    static final List<String> BUDGET_FIELDS = List.of(
            "budget_id",
            "max_budget",
            "soft_budget",
            "max_parallel_requests",
            "tpm_limit",
            "rpm_limit",
            "model_max_budget",
            "budget_duration",
            "budget_reset_at");

    private AdminFields() {}

    static ObjectNode object(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new TollgateException(ErrorKind.INVALID_REQUEST, "Request body must be a JSON object.");
        }
        return (ObjectNode) body;
    }

    static boolean present(ObjectNode body, String field) {
        return body.has(field);
    }

    private static JsonNode value(ObjectNode body, String field) {
        JsonNode n = body.get(field);
        return n == null || n.isNull() ? null : n;
    }

    static String string(ObjectNode body, String field) {
        JsonNode n = value(body, field);
        if (n == null) {
            return null;
        }
        if (!n.isTextual()) {
            throw invalid(field + " must be a string. Received: " + n, field);
        }
        return n.textValue();
    }

    static String requiredString(ObjectNode body, String field) {
        String s = string(body, field);
        if (s == null || s.isBlank()) {
            throw invalid(field + " is required", field);
        }
        return s;
    }

    /** A string stored in a column of {@code maxUnits} UTF-16 code units. */
    static String text(ObjectNode body, String field, int maxUnits) {
        return fits(string(body, field), field, maxUnits, false);
    }

    /** A required customer id: the same rule as on calls ({@link CustomerIds}). */
    static String customerId(ObjectNode body, String field) {
        return CustomerIds.require(requiredString(body, field), field, field);
    }

    /** A budget id: an identifier rule like customer ids', for the budget id columns. */
    static String budgetId(ObjectNode body, String field) {
        String s = string(body, field);
        return s == null || s.isBlank() ? s : fits(s, field, BUDGET_ID_UNITS, true);
    }

    /** A list of customer ids that may create customers ({@code /customer/block}); each must obey the id rule. */
    static List<String> customerIds(ObjectNode body, String field) {
        List<String> ids = stringList(body, field);
        if (ids != null) {
            for (String id : ids) {
                CustomerIds.require(id, "id in " + field, field);
            }
        }
        return ids;
    }

    private static String fits(String s, String field, int maxUnits, boolean identifier) {
        String problem = s == null ? null : StoredText.problem(s, maxUnits, identifier);
        if (problem != null) {
            throw invalid("Invalid " + field + ": " + problem, field);
        }
        return s;
    }

    static Boolean bool(ObjectNode body, String field) {
        JsonNode n = value(body, field);
        if (n == null) {
            return null;
        }
        if (!n.isBoolean()) {
            throw invalid(field + " must be true or false. Received: " + n, field);
        }
        return n.booleanValue();
    }

    /**
     * A USD amount as a JSON number or numeric string ({@code "0"}), parsed exactly with BigDecimal
     * and converted to nano-dollars. NaN, infinities (only possible as strings) and negatives fail.
     */
    static Long usdNanos(ObjectNode body, String field) {
        JsonNode n = value(body, field);
        if (n == null) {
            return null;
        }
        String text = n.isTextual() ? n.textValue() : n.isNumber() ? n.asText() : n.toString();
        try {
            BigDecimal usd = n.isNumber() ? n.decimalValue() : n.isTextual() ? new BigDecimal(text.trim()) : null;
            if (usd != null && usd.signum() >= 0) {
                return Money.usdToNanos(usd);
            }
        } catch (NumberFormatException | ArithmeticException e) {
            // falls through: not a number, or too large for nano-dollars in a long
        }
        throw invalid(field + " must be a non-negative finite number. Received: " + text, field);
    }

    /** A non-negative whole number (JSON integer, integral decimal, or numeric string). */
    static Long nonNegativeLong(ObjectNode body, String field) {
        JsonNode n = value(body, field);
        if (n == null) {
            return null;
        }
        try {
            BigDecimal v = n.isNumber()
                    ? n.decimalValue()
                    : n.isTextual() ? new BigDecimal(n.textValue().trim()) : null;
            if (v != null && v.signum() >= 0) {
                return v.longValueExact();
            }
        } catch (NumberFormatException | ArithmeticException e) {
            // falls through: not a whole number, or out of range
        }
        throw invalid(
                field + " must be a non-negative integer. Received: " + (n.isTextual() ? n.textValue() : n), field);
    }

    static Integer nonNegativeInt(ObjectNode body, String field) {
        Long v = nonNegativeLong(body, field);
        if (v != null && v > Integer.MAX_VALUE) {
            throw invalid(field + " must be a non-negative integer. Received: " + v, field);
        }
        return v == null ? null : v.intValue();
    }

    /** A list of strings; null when absent. */
    static List<String> stringList(ObjectNode body, String field) {
        JsonNode n = value(body, field);
        if (n == null) {
            return null;
        }
        if (!n.isArray()) {
            throw invalid(field + " must be a list of strings. Received: " + n, field);
        }
        List<String> out = new ArrayList<>();
        for (JsonNode item : n) {
            if (!item.isTextual()) {
                throw invalid(field + " must be a list of strings. Received: " + n, field);
            }
            out.add(item.textValue());
        }
        return out;
    }

    /** An ISO-8601 date-time; without an offset it is taken as UTC (Python's naive datetimes). */
    static Long timestampMs(ObjectNode body, String field) {
        String s = string(body, field);
        if (s == null) {
            return null;
        }
        String t = s.trim();
        try {
            return OffsetDateTime.parse(t).toInstant().toEpochMilli();
        } catch (DateTimeException e) {
            // try the next form
        }
        try {
            return LocalDateTime.parse(t).toInstant(ZoneOffset.UTC).toEpochMilli();
        } catch (DateTimeException e) {
            // try the next form
        }
        try {
            return LocalDate.parse(t).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
        } catch (DateTimeException e) {
            throw invalid(field + " must be an ISO-8601 date-time such as 2025-01-31T00:00:00Z. Received: " + s, field);
        }
    }

    /**
     * {@code model_max_budget} in LiteLLM's shape ({@link ModelBudgets}), checked entry by entry;
     * returned as canonical JSON text for storage, null when absent or null. A bad shape is a 400
     * {@code bad_request} naming the model key and the problem.
     */
    static String modelMaxBudget(ObjectNode body) {
        JsonNode n = value(body, "model_max_budget");
        if (n == null) {
            return null;
        }
        try {
            return ModelBudgets.parse(n).canonicalJson();
        } catch (IllegalArgumentException e) {
            throw new TollgateException(ErrorKind.BAD_REQUEST, e.getMessage(), "model_max_budget");
        }
    }

    /** The budget fields of a body, with which keys were sent (for partial updates). */
    static BudgetInput budget(ObjectNode body) {
        Set<String> present = new HashSet<>();
        for (String f : BUDGET_FIELDS) {
            if (body.has(f)) {
                present.add(f);
            }
        }
        return new BudgetInput(
                budgetId(body, "budget_id"),
                usdNanos(body, "max_budget"),
                usdNanos(body, "soft_budget"),
                nonNegativeInt(body, "max_parallel_requests"),
                nonNegativeLong(body, "tpm_limit"),
                nonNegativeLong(body, "rpm_limit"),
                modelMaxBudget(body),
                string(body, "budget_duration"),
                timestampMs(body, "budget_reset_at"),
                present);
    }

    static TollgateException invalid(String message, String param) {
        return new TollgateException(ErrorKind.INVALID_REQUEST, message, param);
    }
}
