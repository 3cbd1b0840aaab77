package dev.tollgate.admin.spend;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.core.limits.PendingBatch.PeriodSpend;
import java.util.List;
import org.junit.jupiter.api.Test;

class SpendPeriodRulesTest {
    private static final long P1 = 1_000_000L;
    private static final long P2 = 2_000_000L;
    /** Between P1 and P2. */
    private static final long NOW = 1_500_000L;

    @Test
    void samePeriodAdds() {
        assertThat(PeriodSpendRules.apply(10, P1, List.of(new PeriodSpend(P1, 5)), NOW))
                .isEqualTo(new PeriodSpendRules.Totals(15, P1));
    }

    @Test
    void newerPeriodRestartsFromTheBatch() {
        assertThat(PeriodSpendRules.apply(10, P1, List.of(new PeriodSpend(P2, 5)), NOW))
                .isEqualTo(new PeriodSpendRules.Totals(5, P2));
    }

    @Test
    void olderPeriodIsDropped() {
        assertThat(PeriodSpendRules.apply(10, P2, List.of(new PeriodSpend(P1, 5)), NOW))
                .isEqualTo(new PeriodSpendRules.Totals(10, P2));
    }

    @Test
    void noPeriodToPeriodAddsAndAdopts() {
        assertThat(PeriodSpendRules.apply(10, 0, List.of(new PeriodSpend(P1, 5)), NOW))
                .isEqualTo(new PeriodSpendRules.Totals(15, P1));
    }

    @Test
    void noPeriodSpendIsAddedWhileTheRowsPeriodRuns() {
        assertThat(PeriodSpendRules.apply(10, P2, List.of(new PeriodSpend(0, 5)), NOW))
                .isEqualTo(new PeriodSpendRules.Totals(15, P2));
    }

    @Test
    void noPeriodSpendRestartsOnceTheRowsPeriodEnded() {
        assertThat(PeriodSpendRules.apply(10, P1, List.of(new PeriodSpend(0, 5)), NOW))
                .isEqualTo(new PeriodSpendRules.Totals(5, 0));
    }

    @Test
    void batchSpanningARolloverAddsOldThenRestarts() {
        // Given out of order on purpose: the rules sort oldest first.
        assertThat(PeriodSpendRules.apply(10, P1, List.of(new PeriodSpend(P2, 7), new PeriodSpend(P1, 5)), NOW))
                .isEqualTo(new PeriodSpendRules.Totals(7, P2));
    }
}
