package dev.tollgate.core.limits;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ids of pending-spend batches: UUID version 7, whose first 48 bits are the epoch millisecond the
 * batch was claimed. The time lets the database tell a replay it can still check (its id is in the
 * table of applied batches) from one too old to check (that table is pruned after a retention), and
 * time-ordered keys append to the end of the primary key's index instead of landing anywhere in it.
 */
public final class BatchIds {
    private BatchIds() {}

    /** A fresh id claimed at {@code nowMs}. */
    public static String next(long nowMs) {
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        long high = (nowMs << 16) | 0x7000L | (rnd.nextLong() & 0x0FFFL);
        long low = (rnd.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
        return new UUID(high, low).toString();
    }

    /** The epoch millisecond in an id made by {@link #next}; -1 for any other id (it carries no time). */
    public static long claimedAtMs(String batchId) {
        if (batchId == null || batchId.length() != 36 || batchId.charAt(14) != '7') {
            return -1;
        }
        try {
            UUID u = UUID.fromString(batchId);
            return u.version() == 7 && u.variant() == 2 ? u.getMostSignificantBits() >>> 16 : -1;
        } catch (IllegalArgumentException e) {
            return -1;
        }
    }
}
