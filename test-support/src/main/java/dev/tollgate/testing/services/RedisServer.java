package dev.tollgate.testing.services;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throw-away {@code redis-server} on a free loopback port, never persisted, in its own temp
 * directory (log, pid file). It can be stopped (the process dies, its data with it), started
 * again on the same port (empty), frozen with SIGSTOP (commands hang: the network-partition
 * case) and thawed with SIGCONT. A {@link Watchdog} stops it should the JVM die first.
 */
public final class RedisServer implements AutoCloseable {
    private static final int START_ATTEMPTS = 3;

    private final Programs programs;
    private final Path dir;
    private final List<String> extraArgs;
    private final Watchdog watchdog;
    private final int port;
    private Process process;

    private RedisServer(Programs programs, Path dir, int port, List<String> extraArgs) throws IOException {
        this.programs = programs;
        this.dir = dir;
        this.port = port;
        this.extraArgs = List.copyOf(extraArgs);
        this.watchdog = Watchdog.guard(dir);
    }

    /** Starts a standalone server with the installed {@code redis-server}. */
    public static RedisServer start(Programs programs) throws Exception {
        return start(programs, List.of());
    }

    /**
     * Starts a server with extra {@code redis-server} arguments (relative paths are inside its
     * directory). A port taken between choosing and binding it is retried on another.
     */
    static RedisServer start(Programs programs, List<String> extraArgs) throws Exception {
        programs.find("redis-server")
                .orElseThrow(() -> new IllegalStateException("no redis-server in " + programs.searched()));
        Exception last = null;
        for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
            RedisServer r =
                    new RedisServer(programs, Files.createTempDirectory("tg-redis-"), Processes.freePort(), extraArgs);
            try {
                r.startAgain();
                return r;
            } catch (Exception e) {
                r.close();
                last = e;
            }
        }
        throw last;
    }

    /** {@code redis://127.0.0.1:<port>} */
    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /** The running server's pid. */
    public synchronized long pid() {
        return process.pid();
    }

    /** Where its log and pid file are. */
    public Path dir() {
        return dir;
    }

    /** Starts the server (empty) on the same port. */
    public synchronized void startAgain() throws Exception {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("already running");
        }
        List<String> cmd = new ArrayList<>(List.of(
                programs.find("redis-server").orElseThrow().toString(),
                "--port",
                String.valueOf(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                dir.toString(),
                "--pidfile",
                dir.resolve("redis.pid").toString()));
        cmd.addAll(extraArgs);
        process = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(
                        ProcessBuilder.Redirect.appendTo(dir.resolve("log").toFile()))
                .start();
        RedisAddress address = RedisAddress.parse(url());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        IOException last = null;
        while (System.nanoTime() < deadline) {
            try {
                RespProbe.ping(address, Duration.ofSeconds(1));
                return;
            } catch (IOException e) {
                last = e;
            }
            if (!process.isAlive()) {
                break;
            }
            Thread.sleep(25);
        }
        stop();
        throw new IllegalStateException("redis-server on " + port + " did not start ("
                + (last == null ? "" : last.getMessage()) + "); log:\n" + log());
    }

    /** Kills the server; its data is gone. */
    public synchronized void stop() throws InterruptedException {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
        try {
            Files.deleteIfExists(dir.resolve("redis.pid"));
        } catch (IOException ignored) {
            // a stale pid file only matters to the watchdog, which checks the JVM first
        }
    }

    /** SIGSTOP: the server holds every connection and answers nothing. */
    public void freeze() throws Exception {
        Processes.signal(pid(), "STOP");
    }

    /** SIGCONT after {@link #freeze()}. */
    public void thaw() throws Exception {
        Processes.signal(pid(), "CONT");
    }

    /** {@code redis-cli -p <port> args...}, its output trimmed. */
    public String cli(String... args) throws Exception {
        return cli(10, args);
    }

    String cli(int timeoutSeconds, String... args) throws Exception {
        String redisCli = programs.find("redis-cli")
                .orElseThrow(() -> new IllegalStateException("no redis-cli in " + programs.searched()))
                .toString();
        List<String> cmd = new ArrayList<>(List.of(redisCli, "-h", "127.0.0.1", "-p", String.valueOf(port)));
        cmd.addAll(List.of(args));
        return Processes.run(cmd, timeoutSeconds).trim();
    }

    private String log() {
        try {
            return Files.readString(dir.resolve("log"));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    /** Kills the server (thawing it first), deletes its directory and ends its watchdog. */
    @Override
    public synchronized void close() {
        try {
            if (process != null && process.isAlive()) {
                try {
                    Processes.signal(process.pid(), "CONT");
                } catch (Exception ignored) {
                    // not frozen, or already gone
                }
            }
            stop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            watchdog.close();
            Processes.deleteTree(dir);
        }
    }
}
