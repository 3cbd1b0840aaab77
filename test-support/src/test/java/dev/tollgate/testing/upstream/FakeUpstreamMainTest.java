package dev.tollgate.testing.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class FakeUpstreamMainTest {

    @Test
    void parsesEveryFlag() {
        FakeUpstreamOptions options = FakeUpstreamMain.parse(new String[] {
            "--port",
            "18080",
            "--latency-ms",
            "15",
            "--chunks",
            "7",
            "--chunk-interval-ms",
            "3",
            "--failure",
            "HTTP_429"
        });
        assertThat(options.port()).isEqualTo(18080);
        assertThat(options.latency()).isEqualTo(Duration.ofMillis(15));
        assertThat(options.chunkCount()).isEqualTo(7);
        assertThat(options.chunkInterval()).isEqualTo(Duration.ofMillis(3));
        assertThat(options.failure()).isEqualTo(FakeFailure.HTTP_429);
    }

    @Test
    void noFlagsGiveTheDefaults() {
        FakeUpstreamOptions options = FakeUpstreamMain.parse(new String[0]);
        assertThat(options.port()).isZero();
        assertThat(options.latency()).isZero();
        assertThat(options.chunkCount()).isEqualTo(5);
        assertThat(options.chunkInterval()).isZero();
        assertThat(options.promptTokens()).isEmpty();
        assertThat(options.failure()).isEqualTo(FakeFailure.NONE);
    }

    @Test
    void rejectsUnknownFlagsMissingValuesAndNonNumbers() {
        assertThatThrownBy(() -> FakeUpstreamMain.parse(new String[] {"--nope", "1"}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--nope");
        assertThatThrownBy(() -> FakeUpstreamMain.parse(new String[] {"--chunks"}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("missing value");
        assertThatThrownBy(() -> FakeUpstreamMain.parse(new String[] {"--latency-ms", "soon"}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("number");
        assertThatThrownBy(() -> FakeUpstreamMain.parse(new String[] {"--chunks", "-1"}))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
