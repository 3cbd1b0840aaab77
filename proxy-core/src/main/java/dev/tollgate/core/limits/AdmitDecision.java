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
 */
public record AdmitDecision(
        Outcome outcome,
        long spentNanos,
        long reservedNanos,
        long windowStartMs,
        long windowResetMs,
        long remainingRequests,
        long remainingTokens,
        long windowTokens) {

    public enum Outcome {
        ADMITTED,
        /** spent + reserved has reached max_budget. */
        BUDGET_EXCEEDED,
        RPM_EXCEEDED,
        TPM_EXCEEDED,
        /** The store holds no account for this customer: seed it from the database and retry. */
        NEEDS_SEED
    }

    public boolean admitted() {
        return outcome == Outcome.ADMITTED;
    }
}
