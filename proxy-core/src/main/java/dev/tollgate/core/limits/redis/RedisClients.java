package dev.tollgate.core.limits.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import java.time.Duration;

/**
 * Lettuce clients configured to fail fast. Lettuce's defaults queue commands while it
 * reconnects, which turns a dead Redis into hung requests; here a disconnected client rejects
 * commands at once, every command has a short timeout, and reconnection still happens in the
 * background so the store recovers on its own.
 */
public final class RedisClients {
    /** Default command timeout: short enough that a dead Redis costs a call little latency. */
    public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofMillis(250);
    /** Commands queued beyond this fail instead of piling up in memory. */
    static final int REQUEST_QUEUE_SIZE = 100_000;

    /** Opening a connection (handshake included) may take longer than one command, e.g. on a cold JVM. */
    static final Duration MIN_CONNECT_TIMEOUT = Duration.ofSeconds(5);

    private RedisClients() {}

    /**
     * The URI timeout, which Lettuce applies to the connection handshake; commands use the
     * {@link TimeoutOptions} timeout instead.
     */
    static Duration connectTimeout(Duration commandTimeout) {
        return commandTimeout.compareTo(MIN_CONNECT_TIMEOUT) > 0 ? commandTimeout : MIN_CONNECT_TIMEOUT;
    }

    /**
     * @param redisUrl       e.g. {@code redis://127.0.0.1:6379/0}
     * @param commandTimeout per-command timeout; null for {@link #DEFAULT_COMMAND_TIMEOUT}
     */
    public static RedisClient failFast(String redisUrl, Duration commandTimeout) {
        return failFast(redisUrl, commandTimeout, null);
    }

    /**
     * As {@link #failFast(String, Duration)} on the given I/O (e.g. from {@link RedisLoopResources}),
     * whose resources the caller owns and shuts down after the client; null for Lettuce's own
     * resources and threads, owned by the client.
     */
    public static RedisClient failFast(String redisUrl, Duration commandTimeout, RedisIo io) {
        Duration timeout = commandTimeout == null ? DEFAULT_COMMAND_TIMEOUT : commandTimeout;
        RedisURI uri = RedisURI.create(redisUrl);
        uri.setTimeout(connectTimeout(timeout));
        RedisClient client = io == null ? RedisClient.create(uri) : io.client(uri);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .requestQueueSize(REQUEST_QUEUE_SIZE)
                .timeoutOptions(TimeoutOptions.enabled(timeout))
                .socketOptions(SocketOptions.builder()
                        .connectTimeout(Duration.ofSeconds(2))
                        .build())
                .build());
        return client;
    }
}
