package dev.tollgate.server.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Only chunks with a usage object are parsed as they pass; the scan must not miss one. */
class UsageScanTest {
    @Test
    void findsUsageObjectsAndIgnoresNullUsage() {
        assertThat(SseRelay.carriesUsage("{\"choices\":[],\"usage\":{\"prompt_tokens\":1}}")).isTrue();
        assertThat(SseRelay.carriesUsage("{\"choices\":[], \"usage\" : {\"prompt_tokens\":1}}")).isTrue();
        assertThat(SseRelay.carriesUsage("{\"choices\":[{\"delta\":{\"content\":\"hi\"}}],\"usage\":null}")).isFalse();
        assertThat(SseRelay.carriesUsage("{\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}")).isFalse();
        // A content that merely mentions "usage" before the real usage object.
        assertThat(SseRelay.carriesUsage("{\"choices\":[{\"delta\":{\"content\":\"\\\"usage\\\" is\"}}],\"usage\":{\"total_tokens\":3}}"))
                .isTrue();
        assertThat(SseRelay.carriesUsage("{\"usage\"")).isFalse();
    }
}
