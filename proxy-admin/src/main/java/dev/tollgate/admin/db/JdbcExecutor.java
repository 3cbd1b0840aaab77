package dev.tollgate.admin.db;

import dev.tollgate.core.threads.DaemonThreads;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The threads that may block on JDBC. Everything that touches the database from the request path
 * goes through {@link #submit}, so no event loop ever waits on a socket to the database.
 */
public final class JdbcExecutor implements AutoCloseable {
    private final ExecutorService executor;

    public JdbcExecutor(int threads) {
        this.executor = Executors.newFixedThreadPool(threads, DaemonThreads.numbered("tollgate-jdbc-"));
    }

    /** A database task that may throw. */
    @FunctionalInterface
    public interface Task<T> {
        T run() throws Exception;
    }

    public <T> CompletableFuture<T> submit(Task<T> task) {
        CompletableFuture<T> f = new CompletableFuture<>();
        executor.execute(() -> {
            try {
                f.complete(task.run());
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        });
        return f;
    }

    @Override
    public void close() {
        executor.shutdown();
        try {
            executor.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
