package dev.tollgate.core.limits.redis;

import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.netty.util.concurrent.EventExecutor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The Redis connections of a store and the choice of one per command: the connection registered
 * on the calling thread's event loop when there is one, so that the command is written without a
 * thread hop and its reply completes on the caller's loop; otherwise (tests, admin routes,
 * background jobs) any connection, taken in turn.
 */
final class LoopConnections implements AutoCloseable {
    /** {@code loops[i]} runs {@code connections[i]}; empty when the connections are not pinned. */
    private final EventExecutor[] loops;

    private final RedisEndpoint.Connection[] connections;
    /** Clients this object opened, and so shuts down; empty for a connection lent by the caller. */
    private final List<RedisEndpoint> owned;

    private final AtomicInteger next = new AtomicInteger();

    private LoopConnections(EventExecutor[] loops, RedisEndpoint.Connection[] connections, List<RedisEndpoint> owned) {
        this.loops = loops;
        this.connections = connections;
        this.owned = owned;
    }

    /** One connection for every caller. {@code owner} is its client to shut down on close, or null. */
    static LoopConnections single(RedisEndpoint.Connection connection, RedisEndpoint owner) {
        return new LoopConnections(
                new EventExecutor[0],
                new RedisEndpoint.Connection[] {connection},
                owner == null ? List.of() : List.of(owner));
    }

    /**
     * One client and connection per event loop of {@code resources}, each registered on its loop.
     * Blocks while connecting: call at startup, never on one of those loops (the connection could
     * not complete while its own loop waits for it).
     */
    static LoopConnections pinned(String url, Duration commandTimeout, RedisLoopResources resources) {
        List<RedisEndpoint> clients = new ArrayList<>();
        List<RedisLoopResources.Pinned> pinned = resources.pinned();
        EventExecutor[] loops = new EventExecutor[pinned.size()];
        RedisEndpoint.Connection[] connections = new RedisEndpoint.Connection[pinned.size()];
        try {
            for (int i = 0; i < loops.length; i++) {
                if (pinned.get(i).loop().inEventLoop()) {
                    throw new IllegalStateException("connecting Redis from one of its own event loops would deadlock");
                }
                RedisEndpoint client = RedisEndpoint.failFast(
                        url, commandTimeout, pinned.get(i).io());
                clients.add(client);
                loops[i] = pinned.get(i).loop();
                connections[i] = client.connect();
            }
        } catch (RuntimeException e) {
            for (RedisEndpoint c : clients) {
                c.close();
            }
            throw e;
        }
        return new LoopConnections(loops, connections, List.copyOf(clients));
    }

    /** Commands on the connection of the calling thread's event loop, else on any connection. */
    RedisClusterAsyncCommands<String, String> commands() {
        for (int i = 0; i < loops.length; i++) {
            if (loops[i].inEventLoop()) {
                return connections[i].async();
            }
        }
        if (connections.length == 1) {
            return connections[0].async();
        }
        return connections[Math.floorMod(next.getAndIncrement(), connections.length)].async();
    }

    /** The first connection's commands, for work that may run on any connection (script loads, digests). */
    RedisClusterAsyncCommands<String, String> first() {
        return connections[0].async();
    }

    int size() {
        return connections.length;
    }

    /** Closes the connections and clients this object owns; a lent connection stays open. */
    @Override
    public void close() {
        if (owned.isEmpty()) {
            return;
        }
        for (RedisEndpoint.Connection c : connections) {
            c.stateful().close();
        }
        for (RedisEndpoint c : owned) {
            c.close();
        }
    }
}
