package dev.tollgate.server.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.server.ExitCode;
import dev.tollgate.server.MainProcess;
import dev.tollgate.server.TestProxy;
import dev.tollgate.testing.upstream.FakeUpstreamOptions;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM right after calls, on a real {@code Main} process, loses no spend: one call, a flush,
 * five more calls and a customer first seen since that flush, then SIGTERM; after the restart
 * every customer's spend is the sum of its calls' {@code x-litellm-response-cost} headers.
 * Embedded (in-process store + H2, with the database busy at the signal) and Redis + PostgreSQL
 * (with a stream in flight, which the stop drains).
 * A stop that cannot persist the spend says so and exits 1.
 */
@Tag("fault")
class GracefulStopSpendTest {
    static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    static final Duration START = Duration.ofSeconds(90);
    static FaultServices services;
    static Path dir;

    @BeforeAll
    static void start() throws Exception {
        // Streams of 10 chunks, 150 ms apart: one is still in flight when the signal comes.
        services = FaultServices.start(
                FakeUpstreamOptions.defaults().promptTokens(10).chunkCount(10).chunkInterval(Duration.ofMillis(150)));
        dir = Files.createTempDirectory("tg-stop-");
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

    /** A Main process on a free port, with its config file, data directory and log under {@link #dir}. */
    record Instance(MainProcess main, int port) {
        String base() {
            return "http://127.0.0.1:" + port;
        }
    }

    static Instance launch(String name, String yaml, Path dataDir) throws Exception {
        int port = Processes.freePort();
        Path config = dir.resolve(name + "-" + port + ".yaml");
        Files.writeString(config, yaml);
        MainProcess main = MainProcess.start(
                dir.resolve(name + "-" + port + ".log"),
                Map.of(),
                "--config",
                config.toString(),
                "--host",
                "127.0.0.1",
                "--port",
                String.valueOf(port),
                "--data-dir",
                dataDir.toString());
        main.awaitReady(port, START);
        return new Instance(main, port);
    }

    static String embeddedConfig() {
        return """
                model_list:
                  - model_name: %s
                    litellm_params: {model: openai/gpt-4o, api_base: "%s", api_key: sk-upstream,
                                     input_cost_per_token: 0.000001, output_cost_per_token: 0.000002}
                general_settings:
                  master_key: %s
                  proxy_batch_write_at: 10
                  shutdown_drain_timeout: 20
                """.formatted(Fleet.MODEL, services.upstream.baseUrl(), TestProxy.KEY);
    }

    static String fleetConfig(String prefix) {
        return Fleet.config(
                        services.upstream.baseUrl(),
                        services.redis.url(),
                        services.postgres.url(),
                        prefix,
                        "shutdown_drain_timeout: 20")
                .replace("proxy_batch_write_at: 1", "proxy_batch_write_at: 10");
    }

    static HttpRequest post(Instance i, String path, String body) {
        return HttpRequest.newBuilder(URI.create(i.base() + path))
                .timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + TestProxy.KEY)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
    }

    static HttpResponse<String> get(Instance i, String path) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create(i.base() + path))
                        .timeout(Duration.ofSeconds(10))
                        .header("Authorization", "Bearer " + TestProxy.KEY)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static long call(Instance i, String customer) throws Exception {
        HttpResponse<String> r =
                HTTP.send(post(i, "/v1/chat/completions", Fleet.chat(customer)), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return Fleet.costNanos(r);
    }

    static long lastFlushMs(Instance i) throws Exception {
        Matcher m = Pattern.compile("\"last_spend_flush_ms\":(\\d+)")
                .matcher(get(i, "/health/readiness").body());
        assertThat(m.find()).isTrue();
        return Long.parseLong(m.group(1));
    }

    /** A customer's spend from {@code /customer/info}, exactly (the JSON number's own digits). */
    static long infoSpendNanos(Instance i, String customer) throws Exception {
        HttpResponse<String> r = get(i, "/customer/info?end_user_id=" + customer);
        assertThat(r.statusCode()).as(customer + ": " + r.body()).isEqualTo(200);
        Matcher m = Pattern.compile("\"spend\":([0-9.Ee+-]+)").matcher(r.body());
        assertThat(m.find()).as(r.body()).isTrue();
        return new BigDecimal(m.group(1)).movePointRight(9).longValueExact();
    }

    /** What the calls before the signal cost, per customer. */
    record Spent(long steady, long newcomer) {}

    /**
     * 1 call, a flush, 5 more calls and a new customer's call, then SIGTERM 2 s later; the process
     * exits 0. Meanwhile either a stream is in flight (the stop drains it), or an admin page keeps
     * reading customers until the listener closes (the database is busy at the signal, so the
     * final flush follows database work by milliseconds).
     */
    static Spent callsThenSigterm(Instance a, boolean streamInFlight) throws Exception {
        long steady = call(a, "steady");
        long called = System.currentTimeMillis();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
        while (lastFlushMs(a) <= called) {
            assertThat(System.nanoTime()).as("a flush after the first call").isLessThan(deadline);
            Thread.sleep(200);
        }
        for (int n = 0; n < 5; n++) {
            steady += call(a, "steady");
        }
        long newcomer = call(a, "newcomer");
        CompletableFuture<HttpResponse<String>> stream = null;
        Thread adminPage = null;
        if (streamInFlight) {
            Thread.sleep(1_500);
            int before = services.upstream.requestCount();
            stream = HTTP.sendAsync(
                    post(a, "/v1/chat/completions", ProcessLifecycleTest.stream("streaming")),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(services.upstream.awaitRequests(before + 1, Duration.ofSeconds(10)))
                    .isTrue();
            Thread.sleep(500);
        } else {
            adminPage = new Thread(() -> {
                try {
                    while (true) {
                        get(a, "/customer/info?end_user_id=steady");
                    }
                } catch (Exception listenerClosed) {
                    // the stop has begun
                }
            });
            adminPage.start();
            Thread.sleep(2_000);
        }
        a.main().terminate();

        if (stream != null) {
            HttpResponse<String> streamed = stream.get(60, TimeUnit.SECONDS);
            assertThat(streamed.statusCode()).isEqualTo(200);
            assertThat(streamed.body()).endsWith("data: [DONE]\n\n");
        }
        assertThat(a.main().awaitExit(Duration.ofSeconds(90)))
                .as(a.main().output())
                .isEqualTo(ExitCode.OK);
        if (adminPage != null) {
            adminPage.join(10_000);
        }
        return new Spent(steady, newcomer);
    }

    @Test
    void embeddedSigtermRightAfterCallsPersistsEverySpend() throws Exception {
        Path data = dir.resolve("embedded-data");
        Spent spent;
        Instance a = launch("embedded", embeddedConfig(), data);
        try {
            spent = callsThenSigterm(a, false);
        } finally {
            a.main().close();
        }
        String log = a.main().output();
        assertThat(log).containsPattern("Final spend flush: \\$[0-9.]+ pending for [1-9]\\d* customer");
        assertThat(log).contains("Tollgate stopped").doesNotContain("already closed");

        Instance b = launch("embedded-again", embeddedConfig(), data);
        try {
            assertThat(infoSpendNanos(b, "steady")).isEqualTo(spent.steady());
            assertThat(infoSpendNanos(b, "newcomer")).isEqualTo(spent.newcomer());
            b.main().terminate();
            assertThat(b.main().awaitExit(Duration.ofSeconds(60))).isEqualTo(ExitCode.OK);
        } finally {
            b.main().close();
        }
    }

    @Test
    void redisPostgresSigtermRightAfterCallsPersistsEverySpend() throws Exception {
        String prefix = "tgstop-" + System.nanoTime() + ":";
        Spent spent;
        Instance a = launch("fleet", fleetConfig(prefix), dir.resolve("fleet-data"));
        try {
            spent = callsThenSigterm(a, true);
        } finally {
            a.main().close();
        }
        // Persisted by the stopping instance itself, in PostgreSQL (not merely pending in Redis).
        assertThat(dbSpend("steady")).isEqualTo(spent.steady());
        assertThat(dbSpend("newcomer")).isEqualTo(spent.newcomer());
        assertThat(dbSpend("streaming")).isPositive();

        Instance b = launch("fleet-again", fleetConfig(prefix), dir.resolve("fleet-data"));
        try {
            assertThat(infoSpendNanos(b, "steady")).isEqualTo(spent.steady());
            assertThat(infoSpendNanos(b, "newcomer")).isEqualTo(spent.newcomer());
            b.main().terminate();
            assertThat(b.main().awaitExit(Duration.ofSeconds(60))).isEqualTo(ExitCode.OK);
        } finally {
            b.main().close();
        }
    }

    @Test
    void aStopThatCannotReachTheDatabaseSaysWhatIsLeftAndExitsOne() throws Exception {
        String prefix = "tgstop-" + System.nanoTime() + ":";
        Instance a = launch("unflushed", fleetConfig(prefix), dir.resolve("unflushed-data"));
        long expected;
        try {
            expected = call(a, "unflushed") + call(a, "unflushed");
            services.postgres.stop();
            a.main().terminate();
            assertThat(a.main().awaitExit(Duration.ofSeconds(120)))
                    .as(a.main().output())
                    .isEqualTo(ExitCode.UNFLUSHED);
        } finally {
            a.main().close();
            services.postgres.startAgain();
        }
        assertThat(a.main().output())
                .containsPattern("Stop could not persist all spend: \\$[0-9.]+ of [1-9]\\d* customer\\(s\\) stays"
                        + " pending in Redis");
        // Nothing is lost: the next instance's flusher persists what the stop left in Redis.
        try (TestProxy b = TestProxy.start(fleetConfig(prefix))) {
            b.server().flusher().flushNow().get(30, TimeUnit.SECONDS);
        }
        assertThat(dbSpend("unflushed")).isEqualTo(expected);
    }

    static long dbSpend(String customer) throws Exception {
        return services.postgres.queryLong("SELECT spend_nanos FROM tg_customer WHERE user_id = ?", customer);
    }
}
