package dev.tollgate.core.limits.redis.cluster;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A throw-away 3-master Redis Cluster on free loopback ports: three {@code redis-server
 * --cluster-enabled yes} processes in a temp directory joined with {@code redis-cli --cluster
 * create}. Nothing is persisted; {@link #close()} kills the processes and deletes the directory.
 */
public final class RedisClusterProcess implements AutoCloseable {
    private final Path dir;
    private final List<Process> nodes = new ArrayList<>();
    private final List<Integer> ports = new ArrayList<>();

    private RedisClusterProcess(Path dir) {
        this.dir = dir;
    }

    public static RedisClusterProcess start(int masters) throws Exception {
        RedisClusterProcess c = new RedisClusterProcess(Files.createTempDirectory("tg-redis-cluster-"));
        try {
            c.startNodes(masters);
            c.create();
            c.awaitOk(Duration.ofSeconds(30));
            return c;
        } catch (Exception | Error e) {
            c.close();
            throw e;
        }
    }

    private void startNodes(int masters) throws Exception {
        for (int i = 0; i < masters; i++) {
            int port = freePort();
            Path nodeDir = Files.createDirectories(dir.resolve("n" + port));
            Process p = new ProcessBuilder(
                            "redis-server",
                            "--port",
                            String.valueOf(port),
                            "--bind",
                            "127.0.0.1",
                            "--cluster-enabled",
                            "yes",
                            "--cluster-config-file",
                            nodeDir.resolve("nodes.conf").toString(),
                            "--cluster-node-timeout",
                            "2000",
                            "--dir",
                            nodeDir.toString(),
                            "--save",
                            "",
                            "--appendonly",
                            "no")
                    .redirectErrorStream(true)
                    .redirectOutput(nodeDir.resolve("log").toFile())
                    .start();
            nodes.add(p);
            ports.add(port);
        }
        for (int port : ports) {
            awaitPing(port);
        }
    }

    private void create() throws Exception {
        List<String> cmd = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
        ports.forEach(p -> cmd.add("127.0.0.1:" + p));
        cmd.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
        String out = run(cmd, 60);
        if (!out.contains("[OK] All 16384 slots covered")) {
            throw new IllegalStateException("redis-cli --cluster create failed:\n" + out);
        }
    }

    private void awaitOk(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            boolean ok = true;
            for (int port : ports) {
                ok &= run(List.of("redis-cli", "-h", "127.0.0.1", "-p", String.valueOf(port), "cluster", "info"), 5)
                        .contains("cluster_state:ok");
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
        for (int i = 0; i < ports.size(); i++) {
            b.append(i == 0 ? "" : ",").append("127.0.0.1:").append(ports.get(i));
        }
        return b.toString();
    }

    public List<Integer> ports() {
        return List.copyOf(ports);
    }

    /** Number of keys the node on {@code port} holds. */
    public long dbSize(int port) throws Exception {
        return Long.parseLong(run(List.of("redis-cli", "-h", "127.0.0.1", "-p", String.valueOf(port), "dbsize"), 5)
                .trim());
    }

    @Override
    public void close() {
        for (Process p : nodes) {
            p.destroyForcibly();
        }
        for (Process p : nodes) {
            try {
                p.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // temp dir; best effort
        }
    }

    private static void awaitPing(int port) throws Exception {
        for (int i = 0; i < 100; i++) {
            if (run(List.of("redis-cli", "-h", "127.0.0.1", "-p", String.valueOf(port), "ping"), 5)
                    .contains("PONG")) {
                return;
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("redis-server on " + port + " did not start");
    }

    static String run(List<String> cmd, int timeoutSeconds) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("timed out: " + cmd);
        }
        return new String(out, StandardCharsets.UTF_8);
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
