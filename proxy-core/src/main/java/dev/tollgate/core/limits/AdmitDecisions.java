package dev.tollgate.core.limits;

import dev.tollgate.core.limits.AdmitDecision.Outcome;

/**
 * Builds an {@link AdmitDecision} from the raw counters an admission produced, so that the
 * in-process and the Redis store report remaining quota in exactly the same way.
 */
public final class AdmitDecisions {
    private AdmitDecisions() {}

    /**
     * @param windowRequests the window's request count: after the increment when admitted,
     *                       unchanged when refused
     * @param windowTokens   the window's token count, likewise
     */
    public static AdmitDecision of(
            Outcome outcome,
            long spentNanos,
            long reservedNanos,
            long windowStartMs,
            long windowRequests,
            long windowTokens,
            CustomerLimits limits) {
        return of(outcome, spentNanos, reservedNanos, windowStartMs, windowRequests, windowTokens, limits, 0, 0);
    }

    /** As above, with the spend and reservations of the call's model entry (before the call). */
    public static AdmitDecision of(
            Outcome outcome,
            long spentNanos,
            long reservedNanos,
            long windowStartMs,
            long windowRequests,
            long windowTokens,
            CustomerLimits limits,
            long modelSpentNanos,
            long modelReservedNanos) {
        long resetMs = windowStartMs + Windows.WINDOW_MS;
        if (outcome == Outcome.NEEDS_SEED) {
            return new AdmitDecision(outcome, 0, 0, windowStartMs, resetMs, -1, -1, 0);
        }
        long remainingRequests = remaining(limits.rpmLimit(), windowRequests, outcome == Outcome.RPM_EXCEEDED);
        long remainingTokens = remaining(limits.tpmLimit(), windowTokens, outcome == Outcome.TPM_EXCEEDED);
        return new AdmitDecision(
                outcome,
                spentNanos,
                reservedNanos,
                windowStartMs,
                resetMs,
                remainingRequests,
                remainingTokens,
                windowTokens,
                modelSpentNanos,
                modelReservedNanos);
    }

    private static long remaining(long limit, long used, boolean exceeded) {
        if (limit < 0) {
            return -1;
        }
        return exceeded ? 0 : Math.max(0, limit - used);
    }

    /** The wire code the Lua script returns for each outcome (see admit.lua). */
    public static Outcome outcomeOfCode(long code) {
        switch ((int) code) {
            case 0:
                return Outcome.ADMITTED;
            case 1:
                return Outcome.BUDGET_EXCEEDED;
            case 2:
                return Outcome.RPM_EXCEEDED;
            case 3:
                return Outcome.TPM_EXCEEDED;
            case 4:
                return Outcome.NEEDS_SEED;
            case 5:
                return Outcome.MODEL_NEEDS_SEED;
            case 6:
                return Outcome.MODEL_BUDGET_EXCEEDED;
            case 7:
                return Outcome.MODEL_RPM_EXCEEDED;
            case 8:
                return Outcome.MODEL_TPM_EXCEEDED;
            default:
                throw new IllegalStateException("unknown admit outcome code " + code);
        }
    }
}
