package dev.tollgate.server.fleet;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throw-away {@code redis-server} on a free loopback port, never persisted. Can be stopped
 * (the process dies, its data with it), started again on the same port (empty), frozen with
 * SIGSTOP (commands hang: the network-partition case) and thawed with SIGCONT.
 */
final class RedisProcess implements AutoCloseable {
    private final int port;
    private final Path dir;
    private Process process;

    private RedisProcess(int port, Path dir) {
        this.port = port;
        this.dir = dir;
    }

    static RedisProcess start() throws Exception {
        RedisProcess r = new RedisProcess(Processes.freePort(), Files.createTempDirectory("tg-redis-"));
        r.startAgain();
        return r;
    }

    String url() {
        return "redis://127.0.0.1:" + port;
    }

    int port() {
        return port;
    }

    /** Starts the server (empty) on the same port. */
    synchronized void startAgain() throws Exception {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("already running");
        }
        process = new ProcessBuilder(
                        "redis-server",
                        "--port",
                        String.valueOf(port),
                        "--bind",
                        "127.0.0.1",
                        "--save",
                        "",
                        "--appendonly",
                        "no",
                        "--dir",
                        dir.toString())
                .redirectErrorStream(true)
                .redirectOutput(
                        ProcessBuilder.Redirect.appendTo(dir.resolve("log").toFile()))
                .start();
        for (int i = 0; i < 200; i++) {
            if (cli("ping").contains("PONG")) {
                return;
            }
            Thread.sleep(25);
        }
        throw new IllegalStateException("redis-server on " + port + " did not start");
    }

    /** Kills the server; its data is gone. */
    synchronized void stop() throws Exception {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    void freeze() throws Exception {
        Processes.signal(process.pid(), "STOP");
    }

    void thaw() throws Exception {
        Processes.signal(process.pid(), "CONT");
    }

    String cli(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("redis-cli", "-h", "127.0.0.1", "-p", String.valueOf(port)));
        cmd.addAll(List.of(args));
        return Processes.run(cmd, 10).trim();
    }

    @Override
    public synchronized void close() {
        if (process != null) {
            try {
                Processes.signal(process.pid(), "CONT");
            } catch (Exception ignored) {
                // not frozen, or already gone
            }
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Processes.deleteTree(dir);
    }
}
