package dev.tollgate.bench.gc;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One stop-the-world pause as the JVM logs it with {@code -Xlog:gc} (JDK 17, G1):
 * {@code [12.345s][info][gc] GC(7) Pause Young (Normal) (G1 Evacuation Pause) 310M->12M(512M) 3.123ms}.
 * Young, mixed, full, remark and cleanup pauses all have this shape; the concurrent phases
 * ({@code Concurrent Mark Cycle 40.1ms}) do not stop the application and are not pauses.
 *
 * @param heapBeforeBytes heap in use when the pause began (the log truncates to its unit, MB)
 * @param heapAfterBytes  heap in use when it ended
 */
public record GcPause(int gcId, long heapBeforeBytes, long heapAfterBytes, double millis) {
    private static final Pattern LINE = Pattern.compile(
            "GC\\((\\d+)\\) Pause .*? (\\d+)([KMG])->(\\d+)([KMG])\\(\\d+[KMG]\\) ([0-9]+(?:\\.[0-9]+)?)ms\\s*$");

    /** The pause a log line reports, or empty for any other line (startup, concurrent phases, a torn line). */
    public static Optional<GcPause> parse(String line) {
        Matcher m = LINE.matcher(line);
        if (!m.find()) {
            return Optional.empty();
        }
        return Optional.of(new GcPause(
                Integer.parseInt(m.group(1)),
                bytes(m.group(2), m.group(3)),
                bytes(m.group(4), m.group(5)),
                Double.parseDouble(m.group(6))));
    }

    /** Heap the pause gave back: what was allocated since the previous pause, less what survived. */
    public long freedBytes() {
        return heapBeforeBytes - heapAfterBytes;
    }

    private static long bytes(String number, String unit) {
        long n = Long.parseLong(number);
        return switch (unit) {
            case "K" -> n << 10;
            case "M" -> n << 20;
            default -> n << 30;
        };
    }
}
