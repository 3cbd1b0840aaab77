package dev.tollgate.server.proxy;

import dev.tollgate.core.error.ErrorKind;
import dev.tollgate.core.error.TollgateException;
import dev.tollgate.core.limits.AdmitDecision;
import dev.tollgate.core.limits.CustomerLimits;
import dev.tollgate.core.limits.ModelLimits;
import dev.tollgate.core.money.PythonFloat;
import dev.tollgate.core.routing.Cooldowns;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/** LiteLLM's refusal texts and headers, built in one place. */
final class Refusals {
    /**
     * Added to the wait an RPM/TPM refusal announces ({@code retry-after}, {@code retry-after-ms}):
     * the SDKs sleep exactly {@code retry-after-ms}, and a retry aimed at the window's very end
     * lands just before it when timers fire a little early or instances' clocks differ slightly.
     */
    static final long RETRY_MARGIN_MS = 250;

    private static final DateTimeFormatter RESET_FORMAT =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

    private Refusals() {}

    static TollgateException blocked(String customerId) {
        return new TollgateException(
                ErrorKind.CUSTOMER_BLOCKED, "User blocked from making LLM API Calls. User=" + customerId, "user");
    }

    /**
     * LiteLLM's budget refusal. When the committed spend alone is still under the budget, the
     * refusal is caused by the reservations of calls in flight, and the message says so with an
     * {@code in flight=} figure between spend and budget; otherwise it is LiteLLM's text exactly.
     */
    static TollgateException budget(String customerId, AdmitDecision d, CustomerLimits limits, int status, long nowMs) {
        return budgetRefusal(
                "ExceededBudget: End User=" + customerId + " over budget.",
                d.spentNanos(),
                d.reservedNanos(),
                limits.maxBudgetNanos(),
                limits.periodEndMs(),
                status,
                nowMs);
    }

    /**
     * The refusal of a call whose {@code model_max_budget} entry is spent, in the style of
     * {@link #budget}: it names the customer, the entry's model key, the entry's spend (and what
     * calls in flight hold, when that is what tips it) and its budget. Other models keep working.
     */
    static TollgateException modelBudget(
            String customerId, AdmitDecision d, ModelLimits model, int status, long nowMs) {
        return budgetRefusal(
                "ExceededModelBudget: End User=" + customerId + " over budget for model=" + model.model() + ".",
                d.modelSpentNanos(),
                d.modelReservedNanos(),
                model.maxBudgetNanos(),
                model.periodEndMs(),
                status,
                nowMs);
    }

    /**
     * A spent budget's refusal: {@code <lead> Spend=<s>[, in flight=<r>], Budget=<b>}, where the
     * in-flight figure is shown only when reservations, not spend, tip it. The budget will not come
     * back within any retry window, so the SDKs are told not to retry; {@code retry-after} points at
     * the period's end when there is one.
     */
    private static TollgateException budgetRefusal(
            String lead, long spent, long reserved, long max, long periodEndMs, int status, long nowMs) {
        boolean byReservations = spent < max && reserved > 0;
        String message = lead + " Spend=" + PythonFloat.of(spent)
                + (byReservations ? ", in flight=" + PythonFloat.of(reserved) : "")
                + ", Budget=" + PythonFloat.of(max);
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("x-should-retry", "false");
        if (periodEndMs > 0) {
            long seconds = Math.max(1, (periodEndMs - nowMs + 999) / 1000);
            headers.put("retry-after", Long.toString(seconds));
        }
        return new TollgateException(ErrorKind.BUDGET_EXCEEDED, message, null, status, headers);
    }

    /** The RPM/TPM refusal of a {@code model_max_budget} entry: {@link #rate}'s text naming the model. */
    static TollgateException modelRate(String customerId, AdmitDecision d, ModelLimits model, long nowMs) {
        boolean requests = d.outcome() == AdmitDecision.Outcome.MODEL_RPM_EXCEEDED;
        long limit = requests ? model.rpmLimit() : model.tpmLimit();
        String resetAt = RESET_FORMAT.format(Instant.ofEpochMilli(d.windowResetMs()));
        String message = "Rate limit exceeded for end_user: " + customerId + ", model: " + model.model()
                + ". Limit type: " + (requests ? "requests" : "tokens") + ". Current limit: " + limit
                + ", Remaining: 0. Limit resets at: " + resetAt + " UTC";
        long waitMs = Math.max(1, d.windowResetMs() - nowMs) + RETRY_MARGIN_MS;
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("retry-after", Long.toString((waitMs + 999) / 1000));
        headers.put("retry-after-ms", Long.toString(waitMs));
        headers.put("rate_limit_type", requests ? "requests" : "tokens");
        headers.put("reset_at", resetAt);
        return new TollgateException(ErrorKind.RATE_LIMITED, message, null, 429, headers);
    }

    static TollgateException rate(String customerId, AdmitDecision d, CustomerLimits limits, long nowMs) {
        boolean requests = d.outcome() == AdmitDecision.Outcome.RPM_EXCEEDED;
        long limit = requests ? limits.rpmLimit() : limits.tpmLimit();
        long remaining = Math.max(0, requests ? d.remainingRequests() : d.remainingTokens());
        String resetAt = RESET_FORMAT.format(Instant.ofEpochMilli(d.windowResetMs()));
        String message = "Rate limit exceeded for end_user: " + customerId + ". Limit type: "
                + (requests ? "requests" : "tokens") + ". Current limit: " + limit + ", Remaining: " + remaining
                + ". Limit resets at: " + resetAt + " UTC";
        long waitMs = Math.max(1, d.windowResetMs() - nowMs) + RETRY_MARGIN_MS;
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("retry-after", Long.toString((waitMs + 999) / 1000));
        headers.put("retry-after-ms", Long.toString(waitMs));
        headers.put("rate_limit_type", requests ? "requests" : "tokens");
        headers.put("reset_at", resetAt);
        RateLimitHeaders.put((name, value) -> headers.put(name.toString(), value), limits, d, nowMs);
        return new TollgateException(ErrorKind.RATE_LIMITED, message, null, 429, headers);
    }

    /**
     * LiteLLM's refusal when every deployment of a model group is cooling down, waiting for the
     * first of them to come back. Nothing was admitted or reserved.
     */
    static TollgateException noDeployments(
            String group, List<ResolvedDeployment> members, Cooldowns cooldowns, long nowMs) {
        long waitMs = Long.MAX_VALUE;
        StringJoiner ids = new StringJoiner(", ", "[", "]");
        for (ResolvedDeployment d : members) {
            String id = d.config().id();
            waitMs = Math.min(waitMs, Math.max(1, cooldowns.remainingMs(id, nowMs)));
            ids.add("'" + id + "'");
        }
        return noDeploymentsAvailable(group, ids.toString(), waitMs);
    }

    /**
     * LiteLLM's refusal when no deployment of a model group is under its {@code rpm}/{@code tpm}
     * ({@code usage-based-routing-v2}): the same text as {@link #noDeployments}, waiting for the end
     * of the current minute window, which empties every deployment's counts. The cooldown list names
     * the deployments that were skipped because they cool down.
     */
    static TollgateException noDeploymentsUnderLimits(
            String group, List<ResolvedDeployment> members, Cooldowns cooldowns, long nowMs, long windowEndMs) {
        long waitMs = Math.max(1, windowEndMs - nowMs);
        StringJoiner ids = new StringJoiner(", ", "[", "]");
        for (ResolvedDeployment d : members) {
            String id = d.config().id();
            if (cooldowns.coolingDown(id, nowMs)) {
                ids.add("'" + id + "'");
            }
        }
        return noDeploymentsAvailable(group, ids.toString(), waitMs);
    }

    /** LiteLLM's "No deployments available" 429, retry after {@code waitMs}. */
    private static TollgateException noDeploymentsAvailable(String group, String cooldownList, long waitMs) {
        long seconds = (waitMs + 999) / 1000;
        String message = "No deployments available for selected model, Try again in " + seconds
                + " seconds. Passed model=" + group + ". pre-call-checks=False, cooldown_list=" + cooldownList;
        return new TollgateException(
                ErrorKind.RATE_LIMITED,
                message,
                null,
                429,
                Map.of("retry-after", Long.toString(seconds), "retry-after-ms", Long.toString(waitMs)));
    }

    /**
     * {@code max_parallel_requests} reached: LiteLLM's text, with {@code None} for limits not set.
     * A slot comes back as soon as one of the customer's calls ends, so the client may retry soon.
     */
    static TollgateException parallel(String customerId, CustomerLimits limits, long inFlight) {
        String message = "Max parallel request limit reached Hit limit for end_user: " + customerId
                + ". Current limits: max_parallel_requests: " + limits.maxParallel() + ", tpm_limit: "
                + orNone(limits.tpmLimit()) + ", rpm_limit: " + orNone(limits.rpmLimit()) + ". In flight: " + inFlight;
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("retry-after", "1");
        headers.put("rate_limit_type", "max_parallel_requests");
        return new TollgateException(ErrorKind.RATE_LIMITED, message, null, 429, headers);
    }

    private static String orNone(long limit) {
        return limit < 0 ? "None" : Long.toString(limit);
    }

    static TollgateException storeUnavailable() {
        return new TollgateException(
                ErrorKind.SERVICE_UNAVAILABLE,
                "Budget enforcement is temporarily unavailable (limit store unreachable); retry shortly.",
                null,
                503,
                Map.of("retry-after", "1"));
    }
}
