package dev.tollgate.admin.reconcile;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The customers this instance admitted since the last reconciliation pass took them, at most
 * {@code capacity} (ids beyond it are counted and skipped: they are noted again after the next
 * pass). Noting a customer already held is one lock-free read, so it can sit on the call path.
 */
final class ActiveCustomers {
    private final Set<String> ids = ConcurrentHashMap.newKeySet();
    private final AtomicInteger size = new AtomicInteger();
    private final AtomicLong skipped = new AtomicLong();
    private final int capacity;

    ActiveCustomers(int capacity) {
        this.capacity = capacity;
    }

    void note(String customerId) {
        if (ids.contains(customerId)) {
            return;
        }
        if (size.get() >= capacity) {
            skipped.incrementAndGet();
            return;
        }
        if (ids.add(customerId)) {
            size.incrementAndGet();
        }
    }

    /** Removes and returns up to {@code max} customers. */
    List<String> take(int max) {
        List<String> out = new ArrayList<>(Math.min(max, Math.max(0, size.get())));
        Iterator<String> it = ids.iterator();
        while (it.hasNext() && out.size() < max) {
            String id = it.next();
            if (ids.remove(id)) {
                size.decrementAndGet();
                out.add(id);
            }
        }
        return out;
    }

    int size() {
        return size.get();
    }

    /** Customers not noted because the set was full. */
    long skipped() {
        return skipped.get();
    }
}
