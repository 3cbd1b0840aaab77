package dev.tollgate.server.ui;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.core.json.Json;
import dev.tollgate.server.TestProxy;
import dev.tollgate.testing.LeakGuard;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The admin page in a real browser: {@code src/test/ui/ui.test.mjs} drives Debian's headless
 * chromium with playwright-core against a real Tollgate (Redis limit store, 1 s spend flush) and
 * sends real calls with the openai SDK. See that script for the checks; this test starts the
 * proxy, runs it, and fails with its report. Screenshots land in {@code target/ui-screenshots/}.
 */
class AdminUiBrowserTest {
    static {
        // Before any Netty buffer class loads (also for test classes that run after this one in the JVM).
        LeakGuard.install();
    }

    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path UI_TEST_DIR = Path.of("src/test/ui").toAbsolutePath();
    static final Path SCREENSHOTS = Path.of("target/ui-screenshots").toAbsolutePath();
    static final long SCRIPT_TIMEOUT_S = 120;

    static TestProxy proxy;

    @BeforeAll
    static void start() throws Exception {
        if (!Files.isExecutable(CHROMIUM)) {
            fail("The admin page browser test needs Debian's chromium at " + CHROMIUM
                    + ": install it with `apt-get install -y chromium` (.ci/run does this when it is missing).");
        }
        installNodeModules();
        String prefix = "tg-uitest-" + UUID.randomUUID().toString().substring(0, 8) + ":";
        String yaml = """
                model_list:
                  - model_name: mock
                    litellm_params:
                      model: openai/gpt-4o-mini
                      mock_response: "Tolls at dawn: a gate lifts, tokens counted, the road hums along."
                      input_cost_per_token: 0.0005
                      output_cost_per_token: 0.0015
                general_settings:
                  master_key: %s
                  proxy_batch_write_at: 1
                  redis_url: redis://127.0.0.1:6379
                  redis_key_prefix: "%s"
                """.formatted(TestProxy.KEY, prefix);
        // The Redis client's connection handshake has a short timeout; on a loaded machine the
        // first attempt can miss it, so starting is retried a few times.
        for (int attempt = 1; ; attempt++) {
            try {
                proxy = TestProxy.start(yaml);
                return;
            } catch (Exception e) {
                if (attempt == 3) {
                    throw e;
                }
                Thread.sleep(1000);
            }
        }
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (proxy != null) {
            proxy.close();
        }
        LeakGuard.assertNoLeaks();
    }

    @Test
    void adminPageWorksInARealBrowser() throws Exception {
        Files.createDirectories(SCREENSHOTS);
        Path stderr = Files.createTempFile("ui-test-", ".stderr");
        Process p = new ProcessBuilder("node", "ui.test.mjs", proxy.base(), TestProxy.KEY, SCREENSHOTS.toString())
                .directory(UI_TEST_DIR.toFile())
                .redirectError(stderr.toFile())
                .start();
        p.getOutputStream().close();
        byte[] out;
        try (var in = p.getInputStream()) {
            out = in.readAllBytes(); // the script always exits (its own timeouts are shorter)
        }
        if (!p.waitFor(SCRIPT_TIMEOUT_S, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("ui.test.mjs did not finish within " + SCRIPT_TIMEOUT_S + " s; stderr: " + Files.readString(stderr));
        }
        String stdout = new String(out, StandardCharsets.UTF_8).trim();
        String err = Files.readString(stderr);
        String last = stdout.isEmpty() ? "" : stdout.substring(stdout.lastIndexOf('\n') + 1);
        JsonNode report;
        try {
            report = Json.MAPPER.readTree(last);
        } catch (Exception e) {
            throw new AssertionError("ui.test.mjs printed no JSON report (exit " + p.exitValue() + ").\nstdout: "
                    + stdout + "\nstderr: " + err);
        }
        List<String> failures = new ArrayList<>();
        report.path("failed")
                .forEach(f -> failures.add(
                        f.path("name").asText() + ": " + f.path("error").asText()));
        assertThat(failures).as("failed browser checks (stderr: %s)", err).isEmpty();
        assertThat(p.exitValue())
                .as("ui.test.mjs exit code; stdout: %s; stderr: %s", stdout, err)
                .isZero();
        List<String> passed = new ArrayList<>();
        report.path("passed").forEach(n -> passed.add(n.asText()));
        assertThat(passed)
                .as("browser checks that passed")
                .hasSize(14)
                .contains(
                        "create a tier in the UI and read it back through the API",
                        "put a customer on the tier, call through the openai SDK, reload and see the spend",
                        "hostile customer ids and aliases render as text; no dialog fires",
                        "a wrong key shows an error, not an empty table",
                        "customers over their budget or near it say so, and the list filters by it");
        assertThat(report.path("dialogs")).as("browser dialogs").isEmpty();
        assertThat(SCREENSHOTS.resolve("00-overview.png")).isNotEmptyFile();
        assertThat(SCREENSHOTS.resolve("03-customers.png")).isNotEmptyFile();
    }

    /** {@code npm ci} (the committed lockfile) when node_modules is missing; plain install as a fallback. */
    private static void installNodeModules() throws Exception {
        if (Files.isDirectory(UI_TEST_DIR.resolve("node_modules/playwright-core"))
                && Files.isDirectory(UI_TEST_DIR.resolve("node_modules/openai"))) {
            return;
        }
        for (List<String> cmd : List.of(
                List.of("npm", "ci", "--no-audit", "--no-fund"),
                List.of("npm", "install", "--no-audit", "--no-fund"))) {
            File log = Files.createTempFile("npm-", ".log").toFile();
            ProcessBuilder pb = new ProcessBuilder(cmd)
                    .directory(UI_TEST_DIR.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(log);
            pb.environment().putAll(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1"));
            Process p = pb.start();
            if (p.waitFor(300, TimeUnit.SECONDS) && p.exitValue() == 0) {
                return;
            }
            p.destroyForcibly();
            System.err.println(String.join(" ", cmd) + " failed:\n" + Files.readString(log.toPath()));
        }
        fail("Could not install the browser test's npm packages in " + UI_TEST_DIR);
    }
}
