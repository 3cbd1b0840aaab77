package dev.tollgate.admin.webhook;

import java.util.concurrent.atomic.AtomicLong;

/** Counters of the webhook pipeline, read by the metrics. Nothing is dropped without a count here. */
public final class WebhookStats {
    /** Events accepted into the in-memory queue in front of the outbox. */
    final AtomicLong enqueued = new AtomicLong();
    /** Events written to the outbox. */
    final AtomicLong written = new AtomicLong();
    /** Budget events whose id was in the outbox already (another instance or an earlier call wrote it). */
    final AtomicLong duplicates = new AtomicLong();
    /** Dropped because the queue in front of the outbox was full. */
    final AtomicLong droppedQueueFull = new AtomicLong();
    /** Dropped because the outbox insert failed (database down). */
    final AtomicLong droppedDatabase = new AtomicLong();
    /** Dropped because the service was closing. */
    final AtomicLong droppedClosed = new AtomicLong();

    final AtomicLong delivered = new AtomicLong();
    /** Failed attempts that were rescheduled. */
    final AtomicLong retries = new AtomicLong();
    /** Events given up on (attempts exhausted or a permanent 3xx/4xx). */
    final AtomicLong dead = new AtomicLong();
    /** Events answered with 410 Gone (which disables the endpoint until restart). */
    final AtomicLong gone = new AtomicLong();
    /** Database errors of the delivery worker (claiming, recording attempts). */
    final AtomicLong outboxErrors = new AtomicLong();

    volatile long outboxPending;
    volatile boolean endpointDisabled;

    public long enqueued() {
        return enqueued.get();
    }

    public long written() {
        return written.get();
    }

    public long duplicates() {
        return duplicates.get();
    }

    public long droppedQueueFull() {
        return droppedQueueFull.get();
    }

    public long droppedDatabase() {
        return droppedDatabase.get();
    }

    public long droppedClosed() {
        return droppedClosed.get();
    }

    public long delivered() {
        return delivered.get();
    }

    public long retries() {
        return retries.get();
    }

    public long dead() {
        return dead.get();
    }

    public long gone() {
        return gone.get();
    }

    public long outboxErrors() {
        return outboxErrors.get();
    }

    /** Events waiting in the outbox (refreshed by the delivery worker every few seconds). */
    public long outboxPending() {
        return outboxPending;
    }

    public boolean endpointDisabled() {
        return endpointDisabled;
    }
}
