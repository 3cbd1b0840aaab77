package dev.tollgate.server.proxy;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Random version-4 UUIDs for call and completion ids from {@link ThreadLocalRandom}:
 * {@code UUID.randomUUID()} draws from SecureRandom, which costs more than the rest of id
 * handling and contends across event loops. These ids identify calls; they guard no secret.
 */
final class CallIds {
    private CallIds() {}

    static String next() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long hi = (r.nextLong() & ~0xF000L) | 0x4000L;
        long lo = (r.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(hi, lo).toString();
    }
}
