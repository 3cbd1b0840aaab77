package dev.tollgate.testing.upstream;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

/**
 * What tests observe of a {@link FakeUpstream}: received requests and connection counters. Written
 * from event loops, read from test threads, so everything here is thread-safe; the request list
 * is guarded by this object's monitor, which {@link #awaitRequests} also waits on.
 */
final class RequestLog {
    private final IntSupplier capacity;
    private final ArrayDeque<RecordedRequest> recent = new ArrayDeque<>();
    private int count;
    private final AtomicInteger activeConnections = new AtomicInteger();
    private final AtomicInteger peerClosedDuringStream = new AtomicInteger();
    /** Set while the server shuts down, so its own closes are not blamed on peers. */
    private volatile boolean stopping;

    RequestLog(IntSupplier capacity) {
        this.capacity = capacity;
    }

    synchronized void record(RecordedRequest request) {
        count++;
        int max = capacity.getAsInt();
        if (max > 0) {
            recent.addLast(request);
        }
        while (recent.size() > max) {
            recent.removeFirst();
        }
        notifyAll();
    }

    synchronized int requestCount() {
        return count;
    }

    synchronized List<RecordedRequest> requests() {
        return List.copyOf(recent);
    }

    synchronized RecordedRequest last() {
        return recent.peekLast();
    }

    synchronized boolean awaitRequests(int n, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (count < n) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return true;
    }

    /** Clears records and the peer-close counter; live connections are still counted. */
    synchronized void reset() {
        recent.clear();
        count = 0;
        peerClosedDuringStream.set(0);
    }

    void connectionOpened() {
        activeConnections.incrementAndGet();
    }

    void connectionClosed() {
        activeConnections.decrementAndGet();
    }

    int activeConnections() {
        return activeConnections.get();
    }

    void peerClosedDuringStream() {
        if (!stopping) {
            peerClosedDuringStream.incrementAndGet();
        }
    }

    int connectionsClosedByPeerDuringStream() {
        return peerClosedDuringStream.get();
    }

    void stopping() {
        stopping = true;
    }
}
