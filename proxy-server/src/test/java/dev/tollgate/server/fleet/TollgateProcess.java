package dev.tollgate.server.fleet;

import dev.tollgate.server.TestProxy;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code dev.tollgate.server.Main} process (the test's class path, a config file, a fixed
 * free port, its own data directory) that can be killed, stopped with SIGTERM and started again
 * on the same port and data directory. Calls carry the master key.
 */
final class TollgateProcess implements Load.Target, AutoCloseable {
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final Path config;
    private final Path dataDir;
    private final Path log;
    private final int port;
    private Process process;

    private TollgateProcess(Path config, Path dataDir, Path log, int port) {
        this.config = config;
        this.dataDir = dataDir;
        this.log = log;
        this.port = port;
    }

    /** Writes {@code yaml} under {@code dir} and starts the process; returns once it serves. */
    static TollgateProcess start(Path dir, String name, String yaml) throws Exception {
        Path config = dir.resolve(name + ".yaml");
        Files.writeString(config, yaml);
        TollgateProcess p = new TollgateProcess(
                config, dir.resolve(name + "-data"), dir.resolve(name + ".log"), Processes.freePort());
        p.startAgain();
        return p;
    }

    /** Starts the process (again), same config, port and data directory. */
    synchronized void startAgain() throws Exception {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("already running");
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        process = new ProcessBuilder(
                        java,
                        "-Xmx256m",
                        // Starts faster on a busy machine; these processes serve tests, not benchmarks.
                        "-XX:TieredStopAtLevel=1",
                        "-XX:+UseSerialGC",
                        "-cp",
                        System.getProperty("java.class.path"),
                        "dev.tollgate.server.Main",
                        "--config",
                        config.toString(),
                        "--host",
                        "127.0.0.1",
                        "--port",
                        String.valueOf(port),
                        "--data-dir",
                        dataDir.toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Main exited early:\n" + log());
            }
            try {
                if (get("/health/readiness").statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        process.destroyForcibly();
        throw new IllegalStateException("Main did not come up:\n" + log());
    }

    /** {@code kill -9}: no shutdown hook, no flush. */
    void kill() throws Exception {
        Processes.signal(process.pid(), "KILL");
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** SIGTERM, then waits for the exit; returns the exit status. */
    int terminate() throws Exception {
        process.destroy();
        if (!process.waitFor(90, TimeUnit.SECONDS)) {
            throw new IllegalStateException("no exit within 90 s of SIGTERM:\n" + log());
        }
        return process.exitValue();
    }

    /** The log lines at WARN or ERROR level (first lines of each), for assertion messages. */
    String problems() throws IOException {
        StringBuilder b = new StringBuilder();
        for (String line : log().split("\\R")) {
            if (line.contains(" WARN ") || line.contains(" ERROR ")) {
                b.append(line, 0, Math.min(line.length(), 300)).append('\n');
            }
        }
        return b.toString();
    }

    String log() throws IOException {
        return Files.exists(log) ? Files.readString(log) : "";
    }

    @Override
    public HttpResponse<String> post(String path, String json) throws IOException, InterruptedException {
        return HTTP.send(
                request(path)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(json))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return HTTP.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + TestProxy.KEY);
    }

    @Override
    public synchronized void close() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
