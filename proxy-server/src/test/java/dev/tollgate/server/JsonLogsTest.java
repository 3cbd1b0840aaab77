package dev.tollgate.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.core.json.Json;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real {@code Main} process with {@code litellm_settings.json_logs: true} writes only JSON lines. */
class JsonLogsTest {
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void everyLineOfAJsonLoggingProcessIsAJsonObject(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, """
                model_list:
                  - model_name: mock
                    litellm_params: {model: openai/gpt-4o-mini, mock_response: hi}
                litellm_settings:
                  json_logs: true
                  set_verbose: true
                general_settings: {master_key: sk-json-logs}
                """);
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path log = dir.resolve("out.log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(
                        java,
                        "-Xmx128m",
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
                        dir.resolve("data").toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        try {
            awaitLive(p, port, log);
            new ProcessBuilder("kill", "-TERM", Long.toString(p.pid())).start().waitFor(5, TimeUnit.SECONDS);
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            p.destroyForcibly();
        }

        List<JsonNode> lines = new ArrayList<>();
        for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
            if (line.isBlank()) {
                continue;
            }
            byte[] b = line.getBytes(StandardCharsets.UTF_8);
            JsonNode node = Json.parse(b, 0, b.length);
            assertThat(node.isObject()).as(line).isTrue();
            assertThat(node.path("@timestamp").asText()).as(line).isNotBlank();
            assertThat(node.path("level").asText()).as(line).isIn("TRACE", "DEBUG", "INFO", "WARN", "ERROR");
            assertThat(node.path("logger_name").asText()).as(line).isNotBlank();
            lines.add(node);
        }
        // The config's own findings are logged after the switch: the no-effect warning is JSON too.
        assertThat(lines).anySatisfy(l -> assertThat(l.path("message").asText()).contains("set_verbose"));
        assertThat(lines).anySatisfy(l -> assertThat(l.path("message").asText()).isEqualTo("Tollgate stopped"));
    }

    private static void awaitLive(Process p, int port, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IllegalStateException("Main exited early:\n" + Files.readString(log));
            }
            try {
                HttpResponse<Void> r = HTTP.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/liveliness"))
                                .timeout(Duration.ofSeconds(2))
                                .build(),
                        HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        throw new IllegalStateException("Main did not come up:\n" + Files.readString(log));
    }
}
