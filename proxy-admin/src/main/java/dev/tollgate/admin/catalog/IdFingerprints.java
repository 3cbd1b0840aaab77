package dev.tollgate.admin.catalog;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A set of customer ids kept as 64-bit fingerprints in one open-addressing table: about 16 bytes
 * per id instead of a hash-set node plus the id's string (around 90). Two ids share a fingerprint
 * with a chance of about n²/2⁶⁵ (3·10⁻⁸ for a million), and then one unknown caller is read from
 * the database like a known one, which is safe. Reads take no lock; writes are serialised.
 */
final class IdFingerprints {
    private volatile AtomicLongArray table = new AtomicLongArray(1 << 10);
    private int size;

    boolean contains(String id) {
        long f = fingerprint(id);
        AtomicLongArray t = table;
        int mask = t.length() - 1;
        for (int i = (int) f & mask; ; i = (i + 1) & mask) {
            long v = t.get(i);
            if (v == f) {
                return true;
            }
            if (v == 0) {
                return false;
            }
        }
    }

    synchronized void add(String id) {
        long f = fingerprint(id);
        if (insert(table, f)) {
            size++;
            if (size * 2 > table.length()) {
                AtomicLongArray bigger = new AtomicLongArray(table.length() * 2);
                for (int i = 0; i < table.length(); i++) {
                    long v = table.get(i);
                    if (v != 0) {
                        insert(bigger, v);
                    }
                }
                table = bigger;
            }
        }
    }

    synchronized int size() {
        return size;
    }

    private static boolean insert(AtomicLongArray t, long f) {
        int mask = t.length() - 1;
        for (int i = (int) f & mask; ; i = (i + 1) & mask) {
            long v = t.get(i);
            if (v == f) {
                return false;
            }
            if (v == 0) {
                t.set(i, f);
                return true;
            }
        }
    }

    /** FNV-1a over the UTF-16 units, then MurmurHash3's finaliser; never 0 (0 marks a free slot). */
    static long fingerprint(String id) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < id.length(); i++) {
            h ^= id.charAt(i);
            h *= 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h == 0 ? 1 : h;
    }
}
