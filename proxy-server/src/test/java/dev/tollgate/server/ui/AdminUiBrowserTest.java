package dev.tollgate.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.server.TestProxy;
import dev.tollgate.testing.LeakGuard;
import dev.tollgate.testing.services.Need;
import dev.tollgate.testing.services.Needs;
import dev.tollgate.testing.services.TestServices;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The admin page in a real browser: {@code src/test/ui/ui.test.mjs} drives Debian's headless
 * chromium with playwright-core against a real Tollgate (Redis limit store, 1 s spend flush) and
 * sends real calls with the openai SDK. See that script for the checks; this test starts the
 * proxy, runs it, and fails with its report. Screenshots land in {@code target/ui-screenshots/}.
 * Without chromium, node or Redis it is skipped (.ci/run installs chromium when it is missing).
 */
@Needs({Need.CHROMIUM, Need.NODE, Need.REDIS})
class AdminUiBrowserTest {
    static {
        // Before any Netty buffer class loads (also for test classes that run after this one in the JVM).
        LeakGuard.install();
    }

    static final Path SCREENSHOTS = Path.of("target/ui-screenshots").toAbsolutePath();
    static final long SCRIPT_TIMEOUT_S = 120;

    static TestProxy proxy;

    @BeforeAll
    static void start() throws Exception {
        NodeScripts.prepare();
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
                  redis_url: "%s"
                  redis_key_prefix: "%s"
                """.formatted(TestProxy.KEY, TestServices.redis().url(), prefix);
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
        NodeScripts.Run run =
                NodeScripts.run(SCRIPT_TIMEOUT_S, "ui.test.mjs", proxy.base(), TestProxy.KEY, SCREENSHOTS.toString());
        JsonNode report = run.report();
        List<String> failures = new ArrayList<>();
        report.path("failed")
                .forEach(f -> failures.add(
                        f.path("name").asText() + ": " + f.path("error").asText()));
        assertThat(failures)
                .as("failed browser checks (stderr: %s)", run.stderr())
                .isEmpty();
        assertThat(run.exitCode())
                .as("ui.test.mjs exit code; stdout: %s; stderr: %s", run.stdout(), run.stderr())
                .isZero();
        List<String> passed = new ArrayList<>();
        report.path("passed").forEach(n -> passed.add(n.asText()));
        assertThat(passed)
                .as("browser checks that passed")
                .hasSize(15)
                .contains(
                        "create a tier in the UI and read it back through the API",
                        "model budgets: edited as JSON in the budget form, checked by the proxy, shown with spend bars",
                        "put a customer on the tier, call through the openai SDK, reload and see the spend",
                        "hostile customer ids and aliases render as text; no dialog fires",
                        "a wrong key shows an error, not an empty table",
                        "customers over their budget or near it say so, and the list filters by it");
        assertThat(report.path("dialogs")).as("browser dialogs").isEmpty();
        assertThat(SCREENSHOTS.resolve("00-overview.png")).isNotEmptyFile();
        assertThat(SCREENSHOTS.resolve("03-customers.png")).isNotEmptyFile();
    }
}
