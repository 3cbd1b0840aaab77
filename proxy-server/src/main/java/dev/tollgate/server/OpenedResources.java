package dev.tollgate.server;

import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a start has opened so far, closed in reverse order: by a start that fails half-way (so no
 * thread, connection or file is left behind and the JVM can exit), and by a stop once its final
 * flush is done. Opening order is therefore also a dependency order: Redis clients after the event
 * loops they run on, the flusher after the database it writes to.
 */
final class OpenedResources {
    private static final Logger LOG = LoggerFactory.getLogger(OpenedResources.class);

    /** Something to close, with a name for the log. */
    private record Named(String name, AutoCloseable resource) {}

    private final Deque<Named> opened = new ArrayDeque<>();

    /** Registers {@code resource} to be closed; returns it. */
    synchronized <T extends AutoCloseable> T add(String name, T resource) {
        opened.push(new Named(name, resource));
        return resource;
    }

    /** Closes everything, newest first; a failure is logged in one line and the rest still close. */
    void closeAll() {
        while (true) {
            Named next;
            synchronized (this) {
                next = opened.poll();
            }
            if (next == null) {
                return;
            }
            try {
                next.resource().close();
            } catch (Exception e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                LOG.warn("Closing {} failed: {}", next.name(), Failures.oneLine(e));
                LOG.debug("Closing {} failed", next.name(), e);
            }
        }
    }
}
