package dev.tollgate.core.limits;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.core.money.ModelPrice;
import dev.tollgate.core.usage.Usage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AdmissionEstimatorTest {
    /** 1 nano-dollar per prompt token, 2 per completion token; output limit 500. */
    private static final ModelPrice PRICE = new ModelPrice(1_000, 2_000, 0, false, 500);

    private static final ModelPrice NO_OUTPUT_LIMIT = new ModelPrice(1_000, 2_000, 0, false, 0);

    @Test
    void promptIsABodyByteCountDividedByThreePlusOne() {
        AdmissionEstimator.Estimate e =
                new AdmissionEstimator(256, TokenRateLimitType.OUTPUT).estimate(300, 64, true, PRICE);
        assertThat(e.promptTokens()).isEqualTo(101);
        assertThat(e.completionTokens()).isEqualTo(64);
        assertThat(e.costNanos()).isEqualTo(101 + 2 * 64);
    }

    @Test
    void aPromptThatMayBeWrittenToADearerCacheIsReservedAtTheCacheWritePrice() {
        // Anthropic-style: cache writes at 1.25 x the input price.
        ModelPrice claude = new ModelPrice(3_000_000, 15_000_000, 300_000, false, 1000, 3_750_000);
        AdmissionEstimator.Estimate e =
                new AdmissionEstimator(256, TokenRateLimitType.OUTPUT).estimate(300, 64, true, claude);
        // 101 prompt tokens at 3.75e6 picos + 64 completion tokens at 1.5e7 picos.
        assertThat(e.costNanos()).isEqualTo((101 * 3_750_000L + 64 * 15_000_000L) / 1000);
    }

    @Test
    void completionFallsBackToTheModelsOutputLimitThenTheConfiguredDefault() {
        AdmissionEstimator estimator = new AdmissionEstimator(256, TokenRateLimitType.OUTPUT);
        assertThat(estimator.estimate(30, 0, true, PRICE).completionTokens()).isEqualTo(500);
        assertThat(estimator.estimate(30, 0, true, NO_OUTPUT_LIMIT).completionTokens())
                .isEqualTo(256);
    }

    @Test
    void aCallWithoutCompletionReservesNoCompletionTokens() {
        AdmissionEstimator.Estimate e =
                new AdmissionEstimator(256, TokenRateLimitType.TOTAL).estimate(30, 0, false, PRICE);
        assertThat(e.completionTokens()).isZero();
        assertThat(e.costNanos()).isEqualTo(11);
        assertThat(e.windowTokens()).isEqualTo(11);
    }

    @ParameterizedTest
    @CsvSource({"OUTPUT, 64, 20", "INPUT, 101, 7", "TOTAL, 165, 27"})
    void theRateLimitTypeDecidesWhatTheWindowReservesAndCounts(TokenRateLimitType type, long reserved, long counted) {
        assertThat(new AdmissionEstimator(256, type)
                        .estimate(300, 64, true, PRICE)
                        .windowTokens())
                .isEqualTo(reserved);
        assertThat(type.count(new Usage(7, 20, 0, false))).isEqualTo(counted);
    }

    @Test
    void configValuesAreReadInAnyCase() {
        assertThat(TokenRateLimitType.fromConfig(" Total ")).contains(TokenRateLimitType.TOTAL);
        assertThat(TokenRateLimitType.fromConfig("words")).isEmpty();
    }
}
