package dev.tollgate.bench.load;

import org.HdrHistogram.Histogram;

/**
 * Latency and time-to-first-byte histograms of one run, in microseconds, corrected for coordinated
 * omission the open-loop way: every latency is measured from the request's <em>intended</em> send
 * time (its slot in the {@link ArrivalSchedule}), not from when a connection was free to send it.
 * A server stall therefore shows as the whole queue of requests that should have gone out during
 * it, each with the wait it really had. Only requests whose intended time falls in the measurement
 * window are recorded. Not thread-safe: one recorder per event loop, merged with {@link #add}.
 */
public final class LatencyRecorder {
    /** Largest value tracked: 120 s in microseconds; larger values are clamped. */
    public static final long MAX_MICROS = 120_000_000L;

    private final Histogram latency = new Histogram(MAX_MICROS, 3);
    private final Histogram firstByte = new Histogram(MAX_MICROS, 3);
    private final Histogram sendLag = new Histogram(MAX_MICROS, 2);
    private long ok;
    private long errors;
    private long timeouts;

    /** Records a completed request: {@code intendedNanos} is its scheduled (or, closed loop, actual) send time. */
    public void recordOk(long intendedNanos, long firstByteNanos, long doneNanos) {
        ok++;
        latency.recordValue(micros(doneNanos - intendedNanos));
        if (firstByteNanos > 0) {
            firstByte.recordValue(micros(firstByteNanos - intendedNanos));
        }
    }

    /**
     * How late the generator itself sent a request after its intended time (timer precision, a busy
     * loop). Already included in the latencies; kept to show how precise the generator was.
     */
    public void recordSendLag(long nanos) {
        sendLag.recordValue(micros(nanos));
    }

    /** A request that got a response other than 200, or lost its connection. */
    public void recordError() {
        errors++;
    }

    /**
     * A request still unanswered when the run gave up at {@code deadlineNanos}: counted as a
     * timeout and recorded with the latency it had at least, so it weighs on the high percentiles.
     */
    public void recordTimeout(long intendedNanos, long deadlineNanos) {
        timeouts++;
        latency.recordValue(micros(deadlineNanos - intendedNanos));
    }

    static long micros(long nanos) {
        long us = Math.max(1, (nanos + 500) / 1000);
        return Math.min(us, MAX_MICROS);
    }

    /**
     * Adds {@code count} answers of {@code micros} measured by another tool (wrk, closed loop: from
     * the actual send, which at max throughput is what is wanted).
     */
    public void recordOkMicros(long micros, long count) {
        ok += count;
        latency.recordValueWithCount(Math.min(Math.max(1, micros), MAX_MICROS), count);
    }

    /** Adds {@code count} errors counted by another tool. */
    public void recordErrors(long count) {
        errors += count;
    }

    public void add(LatencyRecorder other) {
        latency.add(other.latency);
        firstByte.add(other.firstByte);
        sendLag.add(other.sendLag);
        ok += other.ok;
        errors += other.errors;
        timeouts += other.timeouts;
    }

    public Histogram latency() {
        return latency;
    }

    public Histogram firstByte() {
        return firstByte;
    }

    public Histogram sendLag() {
        return sendLag;
    }

    public long ok() {
        return ok;
    }

    public long errors() {
        return errors;
    }

    public long timeouts() {
        return timeouts;
    }
}
