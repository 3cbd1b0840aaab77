package dev.tollgate.core.limits;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class PendingFieldsTest {
    @Test
    void packedRequestsDecodeWhateverTheSignsOfTheirParts() {
        long[][] cases = {{0, 0}, {1, 1}, {1, 0}, {-1, -1}, {-1, 0}, {3, -2}, {-5, 2}, {2_000_000_000L, 1_999_999_999L}
        };
        for (long[] c : cases) {
            long packed = PendingFields.requestsOk(c[0], c[1]);
            assertThat(PendingFields.requestsOf(packed))
                    .as("requests of %s", c[0])
                    .isEqualTo(c[0]);
            assertThat(PendingFields.successfulOf(packed))
                    .as("successful of %s", c[1])
                    .isEqualTo(c[1]);
        }
        // The sum of packed increments is the packed sum: three calls, two of them successful,
        // and a taken-back successful call.
        long sum = PendingFields.requestsOk(1, 1) * 2 + PendingFields.requestsOk(1, 0) - PendingFields.requestsOk(1, 1);
        assertThat(PendingFields.requestsOf(sum)).isEqualTo(2);
        assertThat(PendingFields.successfulOf(sum)).isEqualTo(1);
    }

    @Test
    void aBatchAddsPackedAndOlderSeparateRequestFields() {
        Map<String, Long> fields = Map.of(
                "s:100",
                70L,
                PendingFields.dailyField("2026-01-01", PendingFields.REQUESTS_OK, "m|x"),
                PendingFields.requestsOk(3, 2),
                PendingFields.dailyField("2026-01-01", PendingFields.REQUESTS, "m|x"),
                1L,
                PendingFields.dailyField("2026-01-01", PendingFields.SUCCESSFUL, "m|x"),
                1L,
                PendingFields.dailyField("2026-01-01", PendingFields.PROMPT, "m|x"),
                40L,
                PendingFields.dailyField("2026-01-01", PendingFields.SPEND, "m|x"),
                70L,
                "id",
                9L);

        PendingBatch batch = PendingFields.toBatch("c", "b1", fields);

        assertThat(batch.spendByPeriod()).containsExactly(new PendingBatch.PeriodSpend(100, 70));
        assertThat(batch.daily()).containsExactly(new PendingBatch.DailyUsage("2026-01-01", "m|x", 4, 3, 40, 0, 70));
    }
}
