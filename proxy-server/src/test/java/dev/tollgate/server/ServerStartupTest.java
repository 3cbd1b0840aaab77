package dev.tollgate.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.core.config.ConfigLoader;
import dev.tollgate.core.json.Json;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A start that fails says why in one line, with the exit code it maps to, and leaves nothing
 * running (no event loop, Redis client or pool thread that would keep the JVM alive); a start
 * without a master key says it is open.
 */
class ServerStartupTest {
    @TempDir
    Path dataDir;

    static String config(String general, String litellm) {
        return """
                model_list:
                  - model_name: m
                    litellm_params: {model: openai/gpt-4o, mock_response: "hi"}
                general_settings:
                %s
                litellm_settings:
                  timezone: UTC
                %s
                """.formatted(general.isEmpty() ? "  proxy_batch_write_at: 10" : general, litellm);
    }

    static StartupException failedStart(String yaml, int port, Path dataDir) {
        return catchThrowableOfType(
                StartupException.class,
                () -> TollgateServer.start(
                                ConfigLoader.parse(yaml, Map.of(), "test-config.yaml"), "127.0.0.1", port, dataDir)
                        .close());
    }

    /** Non-daemon threads: any left by a failed start keeps the JVM from exiting. */
    static Set<Thread> liveNonDaemonThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && !t.isDaemon())
                .collect(Collectors.toSet());
    }

    static void assertNothingLeftRunning(Set<Thread> before) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        List<String> left;
        do {
            left = liveNonDaemonThreads().stream()
                    .filter(t -> !before.contains(t))
                    .map(Thread::getName)
                    .toList();
            if (left.isEmpty()) {
                return;
            }
            Thread.sleep(50);
        } while (System.nanoTime() < deadline);
        assertThat(left).as("threads a failed start left running").isEmpty();
    }

    @Test
    void aPortInUseFailsTheStartInOneLineAndReleasesEverything() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            Set<Thread> before = liveNonDaemonThreads();
            StartupException e = failedStart(config("  master_key: " + TestProxy.KEY, ""), port, dataDir);
            assertThat(e.getMessage()).isEqualTo("cannot listen on 127.0.0.1:" + port + ": address already in use");
            assertThat(e.exitCode()).isEqualTo(ExitCode.START_FAILED);
            assertNothingLeftRunning(before);
        }
        // The data directory is free again: a start on a free port works.
        try (TestProxy ok = TestProxy.start(config("  master_key: " + TestProxy.KEY, ""), dataDir, Map.of())) {
            assertThat(ok.get("/health/liveliness").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void anUnreachableRedisFailsTheStartInOneLineAndReleasesEverything() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        Set<Thread> before = liveNonDaemonThreads();
        StartupException e = failedStart(
                config(
                        "  master_key: " + TestProxy.KEY + "\n  redis_url: \"redis://:secret@127.0.0.1:" + closedPort
                                + "\"",
                        ""),
                0,
                dataDir);
        assertThat(e.getMessage())
                .isEqualTo("cannot connect to Redis at 127.0.0.1:" + closedPort + ": connection refused")
                .doesNotContain("secret");
        assertThat(e.exitCode()).isEqualTo(ExitCode.START_FAILED);
        assertNothingLeftRunning(before);
    }

    @Test
    void aDefaultBudgetThatDoesNotExistRefusesTheStartAndSaysHowToCreateIt() throws Exception {
        Set<Thread> before = liveNonDaemonThreads();
        StartupException e = failedStart(
                config("  master_key: " + TestProxy.KEY, "  max_end_user_budget_id: my-free-tier"), 0, dataDir);
        assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE);
        assertThat(e.getMessage())
                .doesNotContain("\n")
                .startsWith("litellm_settings.max_end_user_budget_id: budget 'my-free-tier' does not exist")
                .contains("POST /budget/new {\"budget_id\": \"my-free-tier\"");
        assertNothingLeftRunning(before);
    }

    @Test
    void aDefaultBudgetCreatedThroughTheProxyCanBeNamedAfterARestart() throws Exception {
        try (TestProxy first = TestProxy.start(config("  master_key: " + TestProxy.KEY, ""), dataDir, Map.of())) {
            assertThat(first.post("/budget/new", "{\"budget_id\": \"my-free-tier\", \"max_budget\": 4}")
                            .statusCode())
                    .isEqualTo(200);
        }
        try (TestProxy second = TestProxy.start(
                config("  master_key: " + TestProxy.KEY, "  max_end_user_budget_id: my-free-tier"),
                dataDir,
                Map.of())) {
            JsonNode ready =
                    Json.MAPPER.readTree(second.get("/health/readiness").body());
            assertThat(ready.has("warnings")).as(ready.toString()).isFalse();
            assertThat(second.post("/chat/completions", TestProxy.chat("m", "on-default", false))
                            .statusCode())
                    .isEqualTo(200);
        }
    }

    @Test
    void readinessSaysWhenNoMasterKeyIsSet() throws Exception {
        try (TestProxy open = TestProxy.start(config("", ""), dataDir, Map.of())) {
            JsonNode ready = Json.MAPPER.readTree(open.get("/health/readiness").body());
            assertThat(ready.get("master_key_set").asBoolean()).isFalse();
            assertThat(ready.get("warnings").toString()).contains("no master_key is set");
        }
        try (TestProxy closed = TestProxy.start(config("  master_key: " + TestProxy.KEY, ""), dataDir, Map.of())) {
            JsonNode ready =
                    Json.MAPPER.readTree(closed.get("/health/readiness").body());
            assertThat(ready.get("master_key_set").asBoolean()).isTrue();
            assertThat(ready.has("warnings")).isFalse();
        }
    }

    @Test
    void aStopReportSaysWhatWasLeftAndHowMuch() {
        assertThat(new StopReport(false, 0, 0, true, 0, 0).exitCode()).isEqualTo(ExitCode.OK);
        StopReport lost = new StopReport(true, 2, 80_000, true, 0, 0);
        assertThat(lost.exitCode()).isEqualTo(ExitCode.UNFLUSHED);
        assertThat(lost.line())
                .isEqualTo("Stop could not persist all spend: $0.00008 of 2 customer(s) was never written to the"
                        + " database and is lost");
        StopReport inRedis = new StopReport(true, 3, 1_500_000_000L, false, 1, 16_000);
        assertThat(inRedis.exitCode()).isEqualTo(ExitCode.UNFLUSHED);
        assertThat(inRedis.line())
                .contains("$1.5 of 3 customer(s) stays pending in Redis")
                .contains("1 settle(s) worth $0.000016 reached neither Redis nor the database and are lost");
        // On Redis, spend other instances keep adding is not this stop's failure.
        assertThat(new StopReport(false, 5, 9_000, false, 0, 0).clean()).isTrue();
    }
}
