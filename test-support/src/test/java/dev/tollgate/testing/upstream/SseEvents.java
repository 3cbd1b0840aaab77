package dev.tollgate.testing.upstream;

import java.util.ArrayList;
import java.util.List;

/** Splits an SSE body of {@code data: ...\n\n} events strictly: anything else fails the test. */
final class SseEvents {
    private SseEvents() {}

    /** The data payloads in order; throws when the framing is not exactly {@code data: X\n\n}. */
    static List<String> parse(String body) {
        List<String> events = new ArrayList<>();
        int at = 0;
        while (at < body.length()) {
            int end = body.indexOf("\n\n", at);
            if (end < 0) {
                throw new AssertionError("unterminated event at " + at + ": " + body.substring(at));
            }
            String block = body.substring(at, end);
            if (!block.startsWith("data: ") || block.indexOf('\n') >= 0) {
                throw new AssertionError("not a single data line: " + block);
            }
            events.add(block.substring("data: ".length()));
            at = end + 2;
        }
        return events;
    }
}
