package dev.tollgate.testing.services;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Small tools for tests that run real processes on loopback. */
public final class Processes {
    private Processes() {}

    /** A port nothing listens on right now (another process may still take it before the caller does). */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Runs a command to completion (bounded) and returns its merged output. */
    public static String run(List<String> cmd, int timeoutSeconds) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("timed out after " + timeoutSeconds + " s: " + cmd);
        }
        return new String(out, StandardCharsets.UTF_8);
    }

    /** {@code kill -SIGNAL pid}. */
    public static void signal(long pid, String signal) throws IOException, InterruptedException {
        run(List.of("kill", "-" + signal, Long.toString(pid)), 5);
    }

    /** Whether a process with this pid is running. */
    public static boolean isAlive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /** Deletes a directory and everything in it; best effort (a temp directory). */
    public static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // temp dir; best effort
        }
    }

    public static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    /**
     * {@code cmd} as the {@code postgres} user when this JVM runs as root (PostgreSQL refuses to run
     * as root), else unchanged.
     */
    static List<String> asPostgresUser(List<String> cmd) {
        if (!isRoot()) {
            return cmd;
        }
        List<String> full = new ArrayList<>(List.of("runuser", "-u", "postgres", "--"));
        full.addAll(cmd);
        return full;
    }
}
