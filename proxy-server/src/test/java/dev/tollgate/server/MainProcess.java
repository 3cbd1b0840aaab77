package dev.tollgate.server;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code dev.tollgate.server.Main} as a real process on the test's class path, its stdout and
 * stderr in one log file. Closing it kills the process if it is still running.
 */
public final class MainProcess implements AutoCloseable {
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final Process process;
    private final Path log;

    private MainProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /** Starts Main with {@code args}; {@code env} is added to this JVM's environment. */
    public static MainProcess start(Path log, Map<String, String> env, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        return new MainProcess(pb.start(), log);
    }

    public Process process() {
        return process;
    }

    /** Everything the process printed so far. */
    public String output() throws IOException {
        return Files.readString(log);
    }

    /** Waits until the proxy answers on {@code port}; fails with the log if it exits or takes too long. */
    public void awaitReady(int port, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Main exited early (" + process.exitValue() + "):\n" + output());
            }
            try {
                HttpResponse<String> r = HTTP.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/liveliness"))
                                .timeout(Duration.ofSeconds(2))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("Main did not come up in " + timeout + ":\n" + output());
    }

    /** SIGTERM, as a supervisor stops it. */
    public void terminate() {
        process.destroy();
    }

    /** Waits for the exit and returns the exit code; fails with the log if it does not exit in time. */
    public int awaitExit(Duration timeout) throws Exception {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("Main still running after " + timeout + ":\n" + output());
        }
        return process.exitValue();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
