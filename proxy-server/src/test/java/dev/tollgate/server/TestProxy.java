package dev.tollgate.server;

import dev.tollgate.core.config.ConfigLoader;
import dev.tollgate.core.config.TollgateConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

/**
 * A real Tollgate on a free port with its own data directory, plus a real HTTP client. Tests build
 * one from a YAML config string (with {@code %UPSTREAM%} replaced by the fake upstream's URL).
 */
public final class TestProxy implements AutoCloseable {
    public static final String KEY = "sk-test-1234";
    private static final HttpClient CLIENT =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final TollgateServer server;
    private final Path dataDir;

    private TestProxy(TollgateServer server, Path dataDir) {
        this.server = server;
        this.dataDir = dataDir;
    }

    public static TestProxy start(String yaml) throws Exception {
        return start(yaml, Files.createTempDirectory("tollgate-test-"), Map.of());
    }

    public static TestProxy start(String yaml, Path dataDir, Map<String, String> env) throws Exception {
        return start(yaml, dataDir, env, Clock.systemUTC());
    }

    /** A proxy whose budgets, windows and jobs read {@code clock}. */
    public static TestProxy start(String yaml, Path dataDir, Map<String, String> env, Clock clock) throws Exception {
        TollgateConfig config = ConfigLoader.parse(yaml, env, "test-config.yaml");
        return new TestProxy(TollgateServer.start(config, "127.0.0.1", 0, dataDir, clock), dataDir);
    }

    public TollgateServer server() {
        return server;
    }

    public Path dataDir() {
        return dataDir;
    }

    public String base() {
        return "http://127.0.0.1:" + server.port();
    }

    public HttpResponse<String> post(String path, String json) throws IOException, InterruptedException {
        return post(path, json, Map.of());
    }

    public HttpResponse<String> post(String path, String json, Map<String, String> headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + path))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + KEY)
                .POST(HttpRequest.BodyPublishers.ofString(json));
        headers.forEach(b::setHeader);
        return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> get(String path) throws IOException, InterruptedException {
        HttpRequest r = HttpRequest.newBuilder(URI.create(base() + path))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + KEY)
                .GET()
                .build();
        return CLIENT.send(r, HttpResponse.BodyHandlers.ofString());
    }

    /** A chat call body for {@code model} and {@code user} (null = no customer). */
    public static String chat(String model, String user, boolean stream) {
        return "{\"model\":\"" + model + "\"," + (user == null ? "" : "\"user\":\"" + user + "\",") + "\"stream\":"
                + stream + ",\"messages\":[{\"role\":\"user\",\"content\":\"what time is it\"}]}";
    }

    @Override
    public void close() {
        server.close();
    }
}
