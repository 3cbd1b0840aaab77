package dev.tollgate.testing.services;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A throw-away Redis Cluster of masters only, on free loopback ports: {@link RedisServer}s started
 * with {@code --cluster-enabled yes} and joined with {@code redis-cli --cluster create}. Nothing
 * is persisted; {@link #close()} stops every node and deletes its directory.
 */
public final class RedisCluster implements AutoCloseable {
    private final List<RedisServer> nodes = new ArrayList<>();

    private RedisCluster() {}

    public static RedisCluster start(Programs programs, int masters) throws Exception {
        RedisCluster c = new RedisCluster();
        try {
            for (int i = 0; i < masters; i++) {
                c.nodes.add(RedisServer.start(
                        programs,
                        List.of(
                                "--cluster-enabled",
                                "yes",
                                "--cluster-config-file",
                                "nodes.conf",
                                "--cluster-node-timeout",
                                "2000")));
            }
            c.create();
            c.awaitOk(Duration.ofSeconds(30));
            return c;
        } catch (Exception | Error e) {
            c.close();
            throw e;
        }
    }

    private void create() throws Exception {
        List<String> args = new ArrayList<>(List.of("--cluster", "create"));
        nodes.forEach(n -> args.add("127.0.0.1:" + n.port()));
        args.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
        String out = nodes.get(0).cli(60, args.toArray(String[]::new));
        if (!out.contains("[OK] All 16384 slots covered")) {
            throw new IllegalStateException("redis-cli --cluster create failed:\n" + out);
        }
    }

    private void awaitOk(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            boolean ok = true;
            for (RedisServer n : nodes) {
                ok &= n.cli("cluster", "info").contains("cluster_state:ok");
            }
            if (ok) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("cluster did not reach cluster_state:ok");
    }

    /** {@code redis-cluster://127.0.0.1:p1,127.0.0.1:p2,...} */
    public String url() {
        StringBuilder b = new StringBuilder("redis-cluster://");
        for (int i = 0; i < nodes.size(); i++) {
            b.append(i == 0 ? "" : ",").append("127.0.0.1:").append(nodes.get(i).port());
        }
        return b.toString();
    }

    public List<Integer> ports() {
        return nodes.stream().map(RedisServer::port).toList();
    }

    /** Number of keys the node on {@code port} holds. */
    public long dbSize(int port) throws Exception {
        for (RedisServer n : nodes) {
            if (n.port() == port) {
                return Long.parseLong(n.cli("dbsize"));
            }
        }
        throw new IllegalArgumentException("no node on " + port);
    }

    @Override
    public void close() {
        for (RedisServer n : nodes) {
            n.close();
        }
    }
}
