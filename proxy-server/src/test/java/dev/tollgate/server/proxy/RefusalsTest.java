package dev.tollgate.server.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.core.error.TollgateException;
import dev.tollgate.core.limits.AdmitDecision;
import dev.tollgate.core.limits.CustomerLimits;
import org.junit.jupiter.api.Test;

class RefusalsTest {
    private static final long BUDGET = 600_000; // $0.0006

    private static AdmitDecision budgetRefusal(long spent, long reserved) {
        return new AdmitDecision(AdmitDecision.Outcome.BUDGET_EXCEEDED, spent, reserved, 0, 60_000, -1, -1, 0);
    }

    @Test
    void aRefusalCausedByCallsInFlightSaysSo() {
        TollgateException e = Refusals.budget("c1", budgetRefusal(0, 600_000), limits(BUDGET, -1), 400, 0);
        assertThat(e.getMessage())
                .isEqualTo("ExceededBudget: End User=c1 over budget. Spend=0.0, in flight=0.0006, Budget=0.0006");
    }

    @Test
    void aRefusalBySpendAloneKeepsLiteLlmsTextExactly() {
        assertThat(Refusals.budget("c1", budgetRefusal(600_000, 0), limits(BUDGET, -1), 400, 0)
                        .getMessage())
                .isEqualTo("ExceededBudget: End User=c1 over budget. Spend=0.0006, Budget=0.0006");
        // Spend at the budget refuses whatever is in flight: the spend is the reason.
        assertThat(Refusals.budget("c1", budgetRefusal(600_000, 100_000), limits(BUDGET, -1), 400, 0)
                        .getMessage())
                .isEqualTo("ExceededBudget: End User=c1 over budget. Spend=0.0006, Budget=0.0006");
    }

    @Test
    void anRpmRefusalAsksToRetryJustAfterTheWindowOpens() {
        long now = 1_700_000_000_000L - 1_700_000_000_000L % 60_000 + 59_000; // 1 s before the window ends
        AdmitDecision d =
                new AdmitDecision(AdmitDecision.Outcome.RPM_EXCEEDED, 0, 0, now - 59_000, now + 1_000, 0, -1, 0);
        TollgateException e = Refusals.rate("c1", d, limits(-1, 5), now);
        assertThat(e.status()).isEqualTo(429);
        assertThat(e.headers().get("retry-after-ms")).isEqualTo(Long.toString(1_000 + Refusals.RETRY_MARGIN_MS));
        assertThat(e.headers().get("retry-after")).isEqualTo("2");
        // The message still names the exact boundary.
        assertThat(e.getMessage()).endsWith(":00 UTC");
    }

    private static CustomerLimits limits(long maxBudgetNanos, long rpm) {
        return new CustomerLimits(maxBudgetNanos, rpm, -1, 0);
    }
}
