package dev.tollgate.testing.upstream;

import com.fasterxml.jackson.core.io.JsonStringEncoder;

/**
 * The deterministic completion text and JSON string quoting shared by the body renderers.
 *
 * <p>Token {@code i} is the word {@code tok<i>}; words are joined by single spaces. A stream sends
 * token 0 as {@code "tok0"} and every later one with its leading space ({@code " tok1"}), so the
 * concatenated deltas equal the non-streaming content exactly.
 */
final class CompletionText {
    private CompletionText() {}

    /** The delta text of stream chunk {@code i}. */
    static String piece(int i) {
        return i == 0 ? "tok0" : " tok" + i;
    }

    /** The full content of a completion with {@code tokens} tokens. */
    static String content(int tokens) {
        StringBuilder sb = new StringBuilder(tokens * 6);
        for (int i = 0; i < tokens; i++) {
            sb.append(piece(i));
        }
        return sb.toString();
    }

    /** Appends {@code value} as a quoted JSON string. */
    static StringBuilder appendQuoted(StringBuilder sb, String value) {
        return sb.append('"')
                .append(JsonStringEncoder.getInstance().quoteAsString(value))
                .append('"');
    }
}
