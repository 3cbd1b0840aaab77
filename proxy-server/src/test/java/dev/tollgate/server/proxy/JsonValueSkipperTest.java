package dev.tollgate.server.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonParser;
import dev.tollgate.core.json.Json;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The skipper never accepts what the request parser (Jackson) refuses, and accepts the JSON
 * clients send: checked value by value against Jackson on hand-picked cases and on random ones.
 */
class JsonValueSkipperTest {
    /** Jackson's verdict on {@code text} as one whole document. */
    private static boolean jacksonValid(byte[] text) {
        try (JsonParser p = Json.MAPPER.getFactory().createParser(text)) {
            if (p.nextToken() == null) {
                return false;
            }
            p.skipChildren();
            return p.nextToken() == null;
        } catch (Exception e) {
            return false;
        }
    }

    /** The skipper's verdict on {@code text} as one whole document (whitespace allowed around it). */
    private static boolean skipperValid(byte[] text) {
        ByteBuf b = Unpooled.wrappedBuffer(text);
        int start = JsonValueSkipper.skipWhitespace(b, 0, text.length);
        int after = JsonValueSkipper.skip(b, start, text.length);
        return after >= 0 && JsonValueSkipper.skipWhitespace(b, after, text.length) == text.length;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void acceptsWhatClientsSend() {
        List<String> valid = List.of(
                "[{\"role\":\"user\",\"content\":\"hello\"}]",
                "[ {\"role\" : \"system\", \"content\" : \"You are helpful.\" } ,\n {\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"héllo 😀 \\u00e9 \\\"q\\\" \\\\ \\/ \\b\\f\\n\\r\\t\"}]} ]",
                "[{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"c1\",\"function\":{\"arguments\":\"{\\\"a\\\":1}\"}}]}]",
                "[0, -0, 1.5, -2e10, 3E+2, 4e-2, 12345678901234567890, true, false, null, \"\", [], {}, [[[]]]]",
                "\"" + "long text ".repeat(10_000) + "\"",
                "[\"" + "日本語のテキスト".repeat(1_000) + "\"]");
        for (String v : valid) {
            assertThat(skipperValid(utf8(v)))
                    .as(v.length() > 80 ? v.substring(0, 80) : v)
                    .isTrue();
            assertThat(jacksonValid(utf8(v))).isTrue();
        }
    }

    @Test
    void refusesWhatTheParserRefuses() {
        List<String> invalid = List.of(
                "[1,]",
                "[,1]",
                "[1 2]",
                "{\"a\":1,}",
                "{\"a\" 1}",
                "{a:1}",
                "{'a':1}",
                "[01]",
                "[1.]",
                "[.5]",
                "[1e]",
                "[-]",
                "[+1]",
                "[NaN]",
                "[tru]",
                "[truex]",
                "[nul]",
                "[\"a\"\"b\"]",
                "[\"unterminated]",
                "[\"bad \\x escape\"]",
                "[\"bad \\u12G4\"]",
                "[\"tab\tinside\"]",
                "[\"nl\ninside\"]",
                "[",
                "]",
                "[1]]",
                "{\"a\":[1}",
                "[{]",
                "[1 // comment\n]",
                "[\"\\\"]",
                "");
        for (String v : invalid) {
            assertThat(jacksonValid(utf8(v))).as("Jackson refuses " + v).isFalse();
            assertThat(skipperValid(utf8(v))).as(v).isFalse();
        }
        // Bytes that are not UTF-8 inside a string.
        byte[] badContinuation = {'[', '"', (byte) 0xC3, 'A', '"', ']'};
        byte[] loneContinuation = {'[', '"', (byte) 0x80, '"', ']'};
        byte[] truncated = {'[', '"', (byte) 0xE6, (byte) 0x97, '"', ']'};
        for (byte[] v : List.of(badContinuation, loneContinuation, truncated)) {
            assertThat(skipperValid(v)).isFalse();
        }
    }

    @Test
    void nestingStopsWhereTheParserStops() {
        int limit = JsonValueSkipper.MAX_DEPTH;
        assertThat(skipperValid(utf8("[".repeat(limit) + "]".repeat(limit)))).isTrue();
        assertThat(skipperValid(utf8("[".repeat(limit + 1) + "]".repeat(limit + 1))))
                .isFalse();
        // Inside the request object the parser allows one level less than its limit.
        assertThat(jacksonValid(utf8("{\"m\":" + "[".repeat(limit) + "]".repeat(limit) + "}")))
                .isTrue();
        assertThat(jacksonValid(utf8("{\"m\":" + "[".repeat(limit + 1) + "]".repeat(limit + 1) + "}")))
                .isFalse();
    }

    /** The verdict on {@code text} received in pieces of 1 to {@code maxPiece} bytes (a composite buffer of direct buffers). */
    private static boolean skipperValidInPieces(byte[] text, Random random, int maxPiece) {
        CompositeByteBuf b = Unpooled.compositeBuffer(Integer.MAX_VALUE);
        try {
            int at = 0;
            while (at < text.length) {
                int n = Math.min(text.length - at, 1 + random.nextInt(maxPiece));
                ByteBuf piece = Unpooled.directBuffer(n);
                piece.writeBytes(text, at, n);
                b.addComponent(true, piece);
                at += n;
            }
            int start = JsonValueSkipper.skipWhitespace(b, 0, text.length);
            int after = JsonValueSkipper.skip(b, start, text.length);
            return after >= 0 && JsonValueSkipper.skipWhitespace(b, after, text.length) == text.length;
        } finally {
            b.release();
        }
    }

    @Test
    void aBodyReceivedInPiecesGetsTheSameAnswer() {
        Random random = new Random(7);
        String text = "é \\\" ok \\u00e9 日本 😀 plain ascii words ".repeat(200);
        List<String> docs = List.of(
                "[{\"role\":\"user\",\"content\":\"" + text + "\"}]",
                "[{\"role\":\"user\",\"content\":\"" + text + "\t\"}]",
                "[{\"role\":\"user\",\"content\":\"" + text + "\"}",
                "[1, 2.5e3, true, null, {\"a\": [\"" + text + "\"]}]");
        for (String d : docs) {
            byte[] bytes = utf8(d);
            boolean whole = skipperValid(bytes);
            assertThat(whole).isEqualTo(jacksonValid(bytes));
            for (int maxPiece : new int[] {1, 3, 8, 9, 64, 4096}) {
                assertThat(skipperValidInPieces(bytes, random, maxPiece))
                        .as(d.substring(0, 40) + " in pieces of up to " + maxPiece)
                        .isEqualTo(whole);
            }
        }
    }

    /**
     * Escapes and multi-byte characters are checked in place within a received piece and through
     * the buffer where they cross into the next one: a body cut in two at every byte gets the
     * whole body's answer, valid or not (a bad escape, a broken character, a raw control byte).
     */
    @Test
    void aCutAtAnyByteOfAnEscapeOrCharacterGetsTheSameAnswer() {
        String text = "a\\n\\\"q\\\" \\u00e9 é € 😀 日本 ";
        List<String> docs = List.of(
                "[\"" + text + "\"]",
                "[\"" + text + "\\x\"]",
                "[\"" + text + "\\u00g9\"]",
                "[\"" + text + "\u0001\"]",
                "[\"" + text + "\"");
        List<byte[]> bodies = new ArrayList<>();
        for (String d : docs) {
            bodies.add(utf8(d));
        }
        byte[] broken = utf8("[\"" + text + "€\"]");
        broken[broken.length - 3] = 'x'; // the last continuation byte of the euro sign
        bodies.add(broken);
        for (byte[] bytes : bodies) {
            boolean whole = skipperValid(bytes);
            assertThat(whole).isEqualTo(jacksonValid(bytes));
            for (int cut = 1; cut < bytes.length; cut++) {
                assertThat(skipperValidCutAt(bytes, cut))
                        .as(new String(bytes, StandardCharsets.UTF_8) + " cut at " + cut)
                        .isEqualTo(whole);
            }
        }
    }

    private static boolean skipperValidCutAt(byte[] text, int cut) {
        CompositeByteBuf b = Unpooled.compositeBuffer(2);
        try {
            b.addComponent(true, Unpooled.directBuffer(cut).writeBytes(text, 0, cut));
            b.addComponent(true, Unpooled.directBuffer(text.length - cut).writeBytes(text, cut, text.length - cut));
            int start = JsonValueSkipper.skipWhitespace(b, 0, text.length);
            int after = JsonValueSkipper.skip(b, start, text.length);
            return after >= 0 && JsonValueSkipper.skipWhitespace(b, after, text.length) == text.length;
        } finally {
            b.release();
        }
    }

    /** Random documents built from JSON's pieces, and mutated: the skipper never says yes where Jackson says no. */
    @Test
    void neverAcceptsWhatTheParserRefusesOnRandomInput() {
        Random random = new Random(20261205);
        String[] pieces = {
            "[",
            "]",
            "{",
            "}",
            ",",
            ":",
            " ",
            "\n",
            "\"k\"",
            "\"v w\"",
            "\"\\n\"",
            "\"\\u00e9\"",
            "\"é\"",
            "\"😀\"",
            "0",
            "-1",
            "2.5",
            "1e3",
            "01",
            "1.",
            "true",
            "false",
            "null",
            "tru",
            "\"",
            "\\",
            "x",
            "\t",
            "\"a\\\"b\""
        };
        int agreedValid = 0;
        for (int n = 0; n < 20_000; n++) {
            StringBuilder sb = new StringBuilder();
            int len = 1 + random.nextInt(14);
            for (int k = 0; k < len; k++) {
                sb.append(pieces[random.nextInt(pieces.length)]);
            }
            byte[] text = utf8(sb.toString());
            if (random.nextInt(4) == 0 && text.length > 0) {
                text[random.nextInt(text.length)] = (byte) random.nextInt(256);
            }
            boolean jackson = jacksonValid(text);
            boolean skipper = skipperValid(text);
            if (skipper) {
                assertThat(jackson)
                        .as(new String(text, StandardCharsets.ISO_8859_1))
                        .isTrue();
            }
            if (jackson && skipper) {
                agreedValid++;
            }
        }
        assertThat(agreedValid).as("the random input holds valid documents too").isGreaterThan(500);
    }
}
