package dev.tollgate.core.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class RetryDelayTest {
    @Test
    void backoffDoublesFromHalfASecondUpToEightWithAtMostAQuarterOffAsJitter() {
        assertThat(RetryDelay.millis(0, -1, 0)).isEqualTo(500);
        assertThat(RetryDelay.millis(1, -1, 0)).isEqualTo(1_000);
        assertThat(RetryDelay.millis(3, -1, 0)).isEqualTo(4_000);
        assertThat(RetryDelay.millis(4, -1, 0)).isEqualTo(8_000);
        assertThat(RetryDelay.millis(19, -1, 0)).isEqualTo(8_000);
        assertThat(RetryDelay.millis(0, -1, 0.999)).isBetween(375L, 500L);
    }

    @Test
    void theUpstreamsRetryAfterWinsUpToSixtySeconds() {
        assertThat(RetryDelay.millis(0, 1_000, 0.5)).isEqualTo(1_000);
        assertThat(RetryDelay.millis(3, 0, 0.5)).isZero();
        assertThat(RetryDelay.millis(0, 60_000, 0)).isEqualTo(60_000);
        assertThat(RetryDelay.millis(0, 86_400_000, 0))
                .as("a day means 'not soon': backoff")
                .isEqualTo(500);
    }

    @Test
    void readsRetryAfterMsThenSecondsThenAnHttpDate() {
        assertThat(RetryDelay.requestedMillis(Map.of("retry-after-ms", "250", "retry-after", "9")::get, 0))
                .isEqualTo(250);
        assertThat(RetryDelay.requestedMillis(Map.of("retry-after", "1.5")::get, 0))
                .isEqualTo(1_500);
        long now = 784_111_777_000L - 2_000; // two seconds before Sun, 06 Nov 1994 08:49:37 GMT
        assertThat(RetryDelay.requestedMillis(Map.of("retry-after", "Sun, 06 Nov 1994 08:49:37 GMT")::get, now))
                .isEqualTo(2_000);
        assertThat(RetryDelay.requestedMillis(Map.<String, String>of()::get, 0)).isNegative();
        assertThat(RetryDelay.requestedMillis(Map.of("retry-after", "soon")::get, 0))
                .isNegative();
    }

    @Test
    void classifiesUpstreamAnswers() {
        assertThat(AttemptFailure.ofAnswer(429, null, null)).isEqualTo(AttemptFailure.RATE_LIMITED);
        assertThat(AttemptFailure.ofAnswer(503, null, null)).isEqualTo(AttemptFailure.SERVER_ERROR);
        assertThat(AttemptFailure.ofAnswer(400, "context_length_exceeded", "x"))
                .isEqualTo(AttemptFailure.CONTEXT_WINDOW);
        assertThat(AttemptFailure.ofAnswer(400, null, "This model's maximum context length is 8192 tokens"))
                .isEqualTo(AttemptFailure.CONTEXT_WINDOW);
        assertThat(AttemptFailure.ofAnswer(400, "content_policy_violation", "x"))
                .isEqualTo(AttemptFailure.CONTENT_POLICY);
        assertThat(AttemptFailure.ofAnswer(400, "invalid_value", "bad temperature"))
                .isEqualTo(AttemptFailure.OTHER);
        assertThat(AttemptFailure.ofAnswer(401, null, null).retryable()).isFalse();
        assertThat(AttemptFailure.RATE_LIMITED.retryable()).isTrue();
    }
}
