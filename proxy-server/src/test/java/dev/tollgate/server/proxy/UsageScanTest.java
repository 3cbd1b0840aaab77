package dev.tollgate.server.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Only chunks with a usage object are parsed as they pass; the scan must not miss one. */
class UsageScanTest {
    @Test
    void findsUsageObjectsAndIgnoresNullUsage() {
        assertThat(SseRelay.carriesUsage("{\"choices\":[],\"usage\":{\"prompt_tokens\":1}}"))
                .isTrue();
        assertThat(SseRelay.carriesUsage("{\"choices\":[], \"usage\" : {\"prompt_tokens\":1}}"))
                .isTrue();
        assertThat(SseRelay.carriesUsage("{\"choices\":[{\"delta\":{\"content\":\"hi\"}}],\"usage\":null}"))
                .isFalse();
        assertThat(SseRelay.carriesUsage("{\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}"))
                .isFalse();
        // A content that merely mentions "usage" before the real usage object.
        assertThat(
                        SseRelay.carriesUsage(
                                "{\"choices\":[{\"delta\":{\"content\":\"\\\"usage\\\" is\"}}],\"usage\":{\"total_tokens\":3}}"))
                .isTrue();
        assertThat(SseRelay.carriesUsage("{\"usage\"")).isFalse();
    }

    /** The byte scan a whole run of events goes through must agree with the per-event one. */
    @Test
    void byteScanOfARunAgreesWithTheTextScan() {
        String[] datas = {
            "{\"choices\":[],\"usage\":{\"prompt_tokens\":1}}",
            "{\"choices\":[], \"usage\" : {\"prompt_tokens\":1}}",
            "{\"choices\":[{\"delta\":{\"content\":\"hi\"}}],\"usage\":null}",
            "{\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}",
            "{\"choices\":[{\"delta\":{\"content\":\"\\\"usage\\\" is\"}}],\"usage\":{\"total_tokens\":3}}",
            "{\"choices\":[{\"delta\":{\"content\":\"\\\"usage\\\" is\"}}],\"usage\":null}",
            "{\"usage\"",
            "\"usag",
        };
        for (String d : datas) {
            assertThat(scan("data: " + d + "\n\n")).as(d).isEqualTo(SseRelay.carriesUsage(d));
        }
        String plain = "data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}],\"usage\":null}\n\n";
        String withUsage = "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":1}}\n\n";
        assertThat(scan(plain.repeat(20))).isFalse();
        assertThat(scan(plain.repeat(20) + withUsage + "data: [DONE]\n\n")).isTrue();
    }

    private static boolean scan(String run) {
        ByteBuf b = Unpooled.copiedBuffer("xx" + run, StandardCharsets.UTF_8);
        try {
            b.readerIndex(2); // a run need not start at index 0
            return SseRelay.carriesUsage(b);
        } finally {
            b.release();
        }
    }
}
