package dev.tollgate.server.proxy;

/**
 * Why admission turned a call away, or let it through unchecked: the {@code reason} label of
 * {@code tollgate_refusals}.
 */
public enum RefusalReason {
    BUDGET("budget"),
    /** The proxy-wide budget ({@code litellm_settings.max_budget}) is spent. */
    PROXY_BUDGET("proxy_budget"),
    RPM("rpm"),
    TPM("tpm"),
    /** The customer's {@code model_max_budget} entry for the call's model is spent. */
    MODEL_BUDGET("model_budget"),
    /** The {@code rpm_limit} of the customer's {@code model_max_budget} entry for the call's model. */
    MODEL_RPM("model_rpm"),
    /** The {@code tpm_limit} of the customer's {@code model_max_budget} entry for the call's model. */
    MODEL_TPM("model_tpm"),
    BLOCKED("blocked"),
    /** {@code max_parallel_requests} calls of the customer already in flight. */
    PARALLEL("parallel"),
    /** Missing or wrong key, or a call without the {@code user} that {@code enforce_user_param} requires. */
    AUTH("auth"),
    /** A call that names no customer while {@code require_customer_id} is on. */
    NO_CUSTOMER("no_customer"),
    /** Every deployment of the model group is cooling down (429 "No deployments available"). */
    NO_DEPLOYMENTS("no_deployments"),
    /** The limit store or the catalogue could not be reached and the policy is fail-closed (503). */
    STORE_UNAVAILABLE("store_unavailable"),
    /** As {@link #STORE_UNAVAILABLE} under the fail-open policy: the call went through unchecked. */
    STORE_UNAVAILABLE_ADMITTED("store_unavailable_admitted");

    private final String label;

    RefusalReason(String label) {
        this.label = label;
    }

    /** The metric label. */
    public String label() {
        return label;
    }

    /** True for the reasons that refuse the call; false for the one that counts a call let through. */
    public boolean refuses() {
        return this != STORE_UNAVAILABLE_ADMITTED;
    }
}
