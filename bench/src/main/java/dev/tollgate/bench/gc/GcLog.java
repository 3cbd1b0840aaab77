package dev.tollgate.bench.gc;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A JVM's {@code -Xlog:gc} file, read between two marks.
 *
 * <p><b>Pauses</b> come straight from the log: every pause line written after the first mark, with
 * its exact duration. <b>Allocation</b> is reconstructed from the same lines: between two
 * collections the heap only grows by what the application allocates, and each pause logs the heap
 * before and after it, so the bytes allocated over a window are
 * {@code heapAtEnd - heapAtStart + sum(heapBefore - heapAfter)} over the pauses in the window. It
 * counts every heap allocation, humongous arrays included (Micrometer's
 * {@code jvm_gc_memory_allocated_bytes_total} only counts the young generation, and only moves at
 * a collection); the log truncates each size to whole MB, an error of under 1 MB per collection
 * that is as often up as down. Netty's pooled direct buffers are not heap and are not counted.
 */
public final class GcLog {
    private final Path file;

    public GcLog(Path file) {
        this.file = file;
    }

    public Path file() {
        return file;
    }

    /** Where a window starts: how many complete lines the log had, and the heap in use then. */
    public record Mark(int lines, long heapUsedBytes) {}

    /** A mark now; {@code heapUsedBytes} is the JVM's heap in use at this moment (from its metrics). */
    public Mark mark(long heapUsedBytes) throws IOException {
        return new Mark(completeLines().size(), heapUsedBytes);
    }

    /** What the GC did from {@code start} until now, {@code heapUsedBytes} being the heap in use now. */
    public GcActivity since(Mark start, long heapUsedBytes) throws IOException {
        List<String> lines = completeLines();
        return activity(
                lines.subList(Math.min(start.lines(), lines.size()), lines.size()),
                start.heapUsedBytes(),
                heapUsedBytes);
    }

    /** The window's allocation and pauses from the log lines written in it and the heap at both ends. */
    static GcActivity activity(List<String> windowLines, long heapAtStart, long heapAtEnd) {
        long freed = 0;
        int pauses = 0;
        double total = 0;
        double longest = 0;
        for (String line : windowLines) {
            GcPause p = GcPause.parse(line).orElse(null);
            if (p == null) {
                continue;
            }
            freed += p.freedBytes();
            pauses++;
            total += p.millis();
            longest = Math.max(longest, p.millis());
        }
        return new GcActivity(Math.max(0, heapAtEnd - heapAtStart + freed), pauses, total, longest);
    }

    /** Lines ended by a newline; a line the JVM is still writing is left for the next read. */
    private List<String> completeLines() throws IOException {
        if (!Files.exists(file)) {
            return List.of();
        }
        String text = Files.readString(file, StandardCharsets.UTF_8);
        int end = text.lastIndexOf('\n');
        return end < 0 ? List.of() : text.substring(0, end).lines().toList();
    }
}
