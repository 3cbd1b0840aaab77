package dev.tollgate.core.limits;

/**
 * Result of an admission attempt. When refused nothing was incremented.
 *
 * @param spentNanos       committed spend in the current period (before this call)
 * @param windowStartMs    start of the RPM/TPM window this call was counted in (pass back to settle)
 * @param windowResetMs    when the current RPM/TPM window ends (epoch ms)
 * @param remainingRequests requests left in the window after this call (-1 = no limit)
 * @param remainingTokens   tokens left in the window after this call's reservation (-1 = no limit)
 * @param windowTokens      tokens counted in the window, including this call's reservation when admitted
 * @param modelSpentNanos   spend of the call's model entry in its period (before this call); 0 without one
 * @param modelReservedNanos reservations held against the model entry (before this call); 0 without one
 */
public record AdmitDecision(
        Outcome outcome,
        long spentNanos,
        long reservedNanos,
        long windowStartMs,
        long windowResetMs,
        long remainingRequests,
        long remainingTokens,
        long windowTokens,
        long modelSpentNanos,
        long modelReservedNanos) {

    /** A decision of a call without a model entry. */
    public AdmitDecision(
            Outcome outcome,
            long spentNanos,
            long reservedNanos,
            long windowStartMs,
            long windowResetMs,
            long remainingRequests,
            long remainingTokens,
            long windowTokens) {
        this(
                outcome,
                spentNanos,
                reservedNanos,
                windowStartMs,
                windowResetMs,
                remainingRequests,
                remainingTokens,
                windowTokens,
                0,
                0);
    }

    public enum Outcome {
        ADMITTED,
        /** spent + reserved has reached max_budget. */
        BUDGET_EXCEEDED,
        RPM_EXCEEDED,
        TPM_EXCEEDED,
        /** The store holds no account for this customer: seed it from the database and retry. */
        NEEDS_SEED,
        /**
         * The store holds no account for the call's model entry: reconcile it from the database
         * ({@link ReconcileRequest#model()}) and retry. Nothing was counted.
         */
        MODEL_NEEDS_SEED,
        /** The model entry's spent + reserved has reached its max_budget. */
        MODEL_BUDGET_EXCEEDED,
        MODEL_RPM_EXCEEDED,
        MODEL_TPM_EXCEEDED
    }

    public boolean admitted() {
        return outcome == Outcome.ADMITTED;
    }
}
