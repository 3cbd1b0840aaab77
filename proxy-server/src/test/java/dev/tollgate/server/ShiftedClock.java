package dev.tollgate.server;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * The system clock moved by an offset that a test sets: time keeps running (timeouts, jobs and
 * TTLs behave as usual), but the test chooses where in a minute or a budget period it starts and
 * can jump ahead instead of sleeping.
 */
public final class ShiftedClock extends Clock {
    private volatile long offsetMs;

    /** A clock that reads {@code at} now and runs on from there. */
    public static ShiftedClock at(Instant at) {
        ShiftedClock c = new ShiftedClock();
        c.set(at);
        return c;
    }

    /**
     * A clock at the start of the next minute of the system clock, so a test has a whole minute
     * (one RPM/TPM window) ahead of it. Ahead, never behind, of what was stored before.
     */
    public static ShiftedClock atNextMinute() {
        long now = System.currentTimeMillis();
        return at(Instant.ofEpochMilli(now - Math.floorMod(now, 60_000L) + 60_000L));
    }

    /** From now on the clock reads {@code at}, and runs on from there. */
    public void set(Instant at) {
        offsetMs = at.toEpochMilli() - System.currentTimeMillis();
    }

    public void advance(Duration d) {
        offsetMs += d.toMillis();
    }

    @Override
    public long millis() {
        return System.currentTimeMillis() + offsetMs;
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(millis());
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }
}
