package dev.tollgate.bench.gc;

/**
 * Heap allocation and GC pauses of one or more JVMs over one window.
 *
 * @param allocatedBytes   heap bytes allocated during the window (see {@link GcLog} for how)
 * @param pauses           stop-the-world pauses that ended in the window
 * @param pauseMillisTotal their summed duration
 * @param pauseMillisMax   the longest of them (0 when there was none)
 */
public record GcActivity(long allocatedBytes, int pauses, double pauseMillisTotal, double pauseMillisMax) {
    public static final GcActivity NONE = new GcActivity(0, 0, 0, 0);

    /** Two windows (rounds of a point) or two JVMs (a fleet) as one: sums, and the longer pause. */
    public GcActivity plus(GcActivity other) {
        return new GcActivity(
                allocatedBytes + other.allocatedBytes,
                pauses + other.pauses,
                pauseMillisTotal + other.pauseMillisTotal,
                Math.max(pauseMillisMax, other.pauseMillisMax));
    }

    /** Bytes allocated per call; NaN without calls. */
    public double allocatedBytesPer(long calls) {
        return calls <= 0 ? Double.NaN : (double) allocatedBytes / calls;
    }
}
