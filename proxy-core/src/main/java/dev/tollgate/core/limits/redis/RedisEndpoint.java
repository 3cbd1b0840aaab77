package dev.tollgate.core.limits.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One Redis deployment, single server or Redis Cluster, behind one fail-fast Lettuce client.
 *
 * <p>URL forms:
 * <ul>
 * <li>{@code redis://[:password@]host:port[/db]} (and {@code rediss://}): one server;
 * <li>{@code redis-cluster://[:password@]host1:port1,host2:port2,...} (and {@code rediss-cluster://}
 * for TLS): a Redis Cluster, reached through any of the listed seed nodes; Lettuce discovers the
 * rest of the topology and follows MOVED/ASK redirections.
 * </ul>
 * The store's scripts only touch keys of one customer (one hash slot), so they route to the
 * customer's shard; the dirty set is one key (one slot) and the invalidation channel is plain
 * pub/sub, which a cluster broadcasts to every node.
 */
public final class RedisEndpoint implements AutoCloseable {
    public static final String CLUSTER_SCHEME = "redis-cluster";
    public static final String CLUSTER_TLS_SCHEME = "rediss-cluster";

    private final RedisClient single;
    private final RedisClusterClient cluster;

    /** An open connection with its async command view, common to both client kinds. */
    public record Connection(
            StatefulConnection<String, String> stateful, RedisClusterAsyncCommands<String, String> async) {}

    private RedisEndpoint(RedisClient single, RedisClusterClient cluster) {
        this.single = single;
        this.cluster = cluster;
    }

    public static boolean isClusterUrl(String url) {
        String u = url.trim().toLowerCase(Locale.ROOT);
        return u.startsWith(CLUSTER_SCHEME + "://") || u.startsWith(CLUSTER_TLS_SCHEME + "://");
    }

    /**
     * A fail-fast client for {@code url} (see {@link RedisClients#failFast}); nothing is connected
     * yet. {@code commandTimeout} null means {@link RedisClients#DEFAULT_COMMAND_TIMEOUT}.
     */
    public static RedisEndpoint failFast(String url, Duration commandTimeout) {
        return failFast(url, commandTimeout, null);
    }

    /**
     * As {@link #failFast(String, Duration)} on the given I/O (e.g. from {@link RedisLoopResources}),
     * whose resources the caller owns and shuts down after {@link #close()}; null for Lettuce's own
     * resources and threads, owned by the client.
     */
    public static RedisEndpoint failFast(String url, Duration commandTimeout, RedisIo io) {
        Duration timeout = commandTimeout == null ? RedisClients.DEFAULT_COMMAND_TIMEOUT : commandTimeout;
        if (!isClusterUrl(url)) {
            return new RedisEndpoint(RedisClients.failFast(url, timeout, io), null);
        }
        List<RedisURI> seeds = clusterSeeds(url);
        seeds.forEach(u -> u.setTimeout(RedisClients.connectTimeout(timeout)));
        RedisClusterClient client = io == null ? RedisClusterClient.create(seeds) : io.clusterClient(seeds);
        client.setOptions(ClusterClientOptions.builder()
                .autoReconnect(true)
                // Not REJECT_COMMANDS: node connections are opened lazily, so rejecting while
                // "not connected" would fail the first command to every shard. Commands queued
                // while a node is unreachable still fail at the command timeout, and the queue
                // is bounded, so a dead shard never makes a call wait longer than the timeout.
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.ACCEPT_COMMANDS)
                .requestQueueSize(RedisClients.REQUEST_QUEUE_SIZE)
                .timeoutOptions(TimeoutOptions.enabled(timeout))
                .socketOptions(SocketOptions.builder()
                        .connectTimeout(Duration.ofSeconds(2))
                        .build())
                .maxRedirects(5)
                // Follow fail-overs and resharding: refresh on MOVED/ASK and reconnect attempts,
                // plus a slow periodic refresh as a safety net.
                .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                        .enableAllAdaptiveRefreshTriggers()
                        .enablePeriodicRefresh(Duration.ofSeconds(30))
                        .build())
                .build());
        return new RedisEndpoint(null, client);
    }

    /** Seed node URIs of a {@code redis-cluster://} URL. */
    static List<RedisURI> clusterSeeds(String url) {
        String trimmed = url.trim();
        int schemeEnd = trimmed.indexOf("://");
        boolean tls = trimmed.substring(0, schemeEnd).equalsIgnoreCase(CLUSTER_TLS_SCHEME);
        String rest = trimmed.substring(schemeEnd + 3);
        int slash = rest.indexOf('/');
        if (slash >= 0) {
            rest = rest.substring(0, slash); // a cluster has only database 0
        }
        int at = rest.lastIndexOf('@');
        String userInfo = at >= 0 ? rest.substring(0, at + 1) : "";
        String hosts = at >= 0 ? rest.substring(at + 1) : rest;
        List<RedisURI> seeds = new ArrayList<>();
        for (String hostPort : hosts.split(",")) {
            if (!hostPort.isBlank()) {
                seeds.add(RedisURI.create((tls ? "rediss://" : "redis://") + userInfo + hostPort.trim()));
            }
        }
        if (seeds.isEmpty()) {
            throw new IllegalArgumentException("redis_url: no node in " + CLUSTER_SCHEME + " URL");
        }
        return seeds;
    }

    public boolean isCluster() {
        return cluster != null;
    }

    /** Opens a connection (blocking: call at startup, never on an event loop). */
    public Connection connect() {
        if (cluster != null) {
            StatefulRedisClusterConnection<String, String> c = cluster.connect();
            return new Connection(c, c.async());
        }
        StatefulRedisConnection<String, String> c = single.connect();
        return new Connection(c, c.async());
    }

    /** Opens a pub/sub connection (blocking). On a cluster it subscribes through one node. */
    public StatefulRedisPubSubConnection<String, String> connectPubSub() {
        return cluster != null ? cluster.connectPubSub() : single.connectPubSub();
    }

    @Override
    public void close() {
        if (cluster != null) {
            cluster.shutdown();
        } else {
            single.shutdown();
        }
    }
}
