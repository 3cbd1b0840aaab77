package dev.tollgate.core.threads;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Thread factories for background work (flusher, journal, jobs, JDBC, scrapes): daemon threads
 * with a recognisable name, so a thread dump names the job and a forgotten executor never keeps
 * the JVM alive (shutdown stops each job explicitly).
 */
public final class DaemonThreads {
    private DaemonThreads() {}

    /** Daemon threads all named {@code name}; for single-threaded executors. */
    public static ThreadFactory named(String name) {
        return r -> daemon(r, name);
    }

    /** Daemon threads named {@code prefix1}, {@code prefix2}, …; for pools. */
    public static ThreadFactory numbered(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> daemon(r, prefix + n.incrementAndGet());
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
