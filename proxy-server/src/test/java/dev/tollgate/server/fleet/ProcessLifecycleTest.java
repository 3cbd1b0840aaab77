package dev.tollgate.server.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.server.TestProxy;
import dev.tollgate.testing.services.Need;
import dev.tollgate.testing.services.Needs;
import dev.tollgate.testing.upstream.FakeUpstream;
import dev.tollgate.testing.upstream.FakeUpstreamOptions;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Real {@code dev.tollgate.server.Main} processes (the test's class path, a config file, a free
 * port) sharing a Redis and a PostgreSQL started by the test: SIGTERM drains streams, flushes and
 * exits 0; {@code kill -9} loses no settled spend, because another instance's flusher persists it.
 */
@Tag("fault")
@Needs({Need.REDIS_SERVER, Need.POSTGRES_SERVER})
class ProcessLifecycleTest {
    static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    static FaultServices services;
    static RedisProcess redis;
    static PostgresProcess postgres;
    static FakeUpstream upstream;
    static Path dir;

    @BeforeAll
    static void start() throws Exception {
        // Streams of 10 chunks, 150 ms apart: 1.5 s each.
        services = FaultServices.start(
                FakeUpstreamOptions.defaults().promptTokens(10).chunkCount(10).chunkInterval(Duration.ofMillis(150)));
        redis = services.redis;
        postgres = services.postgres;
        upstream = services.upstream;
        dir = Files.createTempDirectory("tg-proc-");
    }

    @AfterAll
    static void stop() {
        if (services != null) {
            services.close();
        }
        if (dir != null) {
            Processes.deleteTree(dir);
        }
    }

    /** A Main process; its flusher never runs on schedule (1 h), only at shutdown. */
    record Instance(Process process, int port, Path log) {
        String base() {
            return "http://127.0.0.1:" + port;
        }
    }

    static Instance launch(String prefix) throws Exception {
        int port = Processes.freePort();
        Path config = dir.resolve("config-" + port + ".yaml");
        Files.writeString(
                config,
                Fleet.config(
                                upstream.baseUrl(),
                                redis.url(),
                                postgres.url(),
                                prefix,
                                "redis_command_timeout_ms: 3000\nshutdown_drain_timeout: 20")
                        .replace("proxy_batch_write_at: 1", "proxy_batch_write_at: 3600"));
        Path log = dir.resolve("tollgate-" + port + ".log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(
                        java,
                        "-Xmx256m",
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
                        dir.resolve("data-" + port).toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        Instance inst = new Instance(p, port, log);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IllegalStateException("Main exited early:\n" + Files.readString(log));
            }
            try {
                if (get(inst, "/health/liveliness").statusCode() == 200) {
                    return inst;
                }
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        p.destroyForcibly();
        throw new IllegalStateException("Main did not come up:\n" + Files.readString(log));
    }

    static HttpResponse<String> get(Instance i, String path) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create(i.base() + path))
                        .timeout(Duration.ofSeconds(5))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static HttpRequest post(Instance i, String path, String body) {
        return HttpRequest.newBuilder(URI.create(i.base() + path))
                .timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + TestProxy.KEY)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
    }

    static String stream(String customer) {
        return Fleet.chat(customer).replace("\"max_tokens\":50,", "\"max_tokens\":50,\"stream\":true,");
    }

    static long dbSpend(String customer) throws Exception {
        return postgres.queryLong("SELECT spend_nanos FROM tg_customer WHERE user_id = ?", customer);
    }

    @Test
    void kill9LosesNoSettledSpendOnceAnotherInstanceFlushes() throws Exception {
        String prefix = "tgproc-" + System.nanoTime() + ":";
        String customer = "killed";
        Instance a = launch(prefix);
        long expected = 0;
        try {
            for (int i = 0; i < 25; i++) {
                HttpResponse<String> r = HTTP.send(
                        post(a, "/v1/chat/completions", Fleet.chat(customer)), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                expected += Fleet.costNanos(r);
            }
            assertThat(dbSpend(customer)).isZero(); // nothing flushed yet: all 25 are pending in Redis
        } finally {
            Processes.signal(a.process().pid(), "KILL");
            assertThat(a.process().waitFor(10, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(a.process().exitValue()).isEqualTo(137);

        try (TestProxy b = TestProxy.start(Fleet.config(upstream.baseUrl(), redis.url(), postgres.url(), prefix, ""))) {
            b.server().flusher().flushNow().get(30, TimeUnit.SECONDS);
        }
        assertThat(dbSpend(customer)).isEqualTo(expected);
        assertThat(postgres.queryLong(
                        "SELECT SUM(requests) FROM tg_daily_customer_spend WHERE customer_id = ?", customer))
                .isEqualTo(25);
    }

    @Test
    void sigtermStopsAcceptingDrainsStreamsFlushesAndExitsZero() throws Exception {
        String prefix = "tgproc-" + System.nanoTime() + ":";
        String customer = "terminated";
        Instance a = launch(prefix);
        // A reference: the same stream once, flushed, gives the exact cost of one stream.
        assertThat(HTTP.send(post(a, "/v1/chat/completions", stream("reference")), HttpResponse.BodyHandlers.ofString())
                        .statusCode())
                .isEqualTo(200);

        int before = upstream.requestCount();
        List<CompletableFuture<HttpResponse<String>>> streams = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            streams.add(HTTP.sendAsync(
                    post(a, "/v1/chat/completions", stream(customer)), HttpResponse.BodyHandlers.ofString()));
        }
        assertThat(upstream.awaitRequests(before + 5, Duration.ofSeconds(10))).isTrue();
        long signalled = System.nanoTime();
        a.process().destroy(); // SIGTERM
        Thread.sleep(300);
        // No new connections once the listener is closed.
        assertThatThrownBy(() -> HTTP.send(
                        post(a, "/v1/chat/completions", Fleet.chat(customer)), HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(IOException.class);

        for (CompletableFuture<HttpResponse<String>> f : streams) {
            HttpResponse<String> r = f.get(30, TimeUnit.SECONDS);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).endsWith("data: [DONE]\n\n");
        }
        assertThat(a.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
        long exitMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - signalled);
        assertThat(a.process().exitValue()).as(Files.readString(a.log())).isZero();
        System.out.printf("sigterm: exited 0 after %d ms%n", exitMs);

        // Flushed by the stopping instance itself (its schedule is 1 h).
        long reference = dbSpend("reference");
        assertThat(reference).isPositive();
        assertThat(dbSpend(customer)).isEqualTo(5 * reference);
        assertThat(postgres.queryLong(
                        "SELECT SUM(requests) FROM tg_daily_customer_spend WHERE customer_id = ?", customer))
                .isEqualTo(5);
    }
}
