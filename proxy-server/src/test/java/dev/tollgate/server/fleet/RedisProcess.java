package dev.tollgate.server.fleet;

import dev.tollgate.testing.services.RedisServer;
import dev.tollgate.testing.services.TestServices;

/**
 * A fault test's own {@code redis-server} on a free loopback port ({@link RedisServer}), never
 * persisted. Can be stopped (the process dies, its data with it), started again on the same port
 * (empty), frozen with SIGSTOP (commands hang: the network-partition case) and thawed with SIGCONT.
 */
final class RedisProcess implements AutoCloseable {
    private final RedisServer server;

    private RedisProcess(RedisServer server) {
        this.server = server;
    }

    /** Starts one; the calling test is skipped when redis-server is not installed. */
    static RedisProcess start() throws Exception {
        return new RedisProcess(TestServices.startRedisServer());
    }

    String url() {
        return server.url();
    }

    int port() {
        return server.port();
    }

    /** Starts the server (empty) on the same port. */
    void startAgain() throws Exception {
        server.startAgain();
    }

    /** Kills the server; its data is gone. */
    void stop() throws Exception {
        server.stop();
    }

    void freeze() throws Exception {
        server.freeze();
    }

    void thaw() throws Exception {
        server.thaw();
    }

    String cli(String... args) throws Exception {
        return server.cli(args);
    }

    @Override
    public void close() {
        server.close();
    }
}
