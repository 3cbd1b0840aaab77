package dev.tollgate.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.server.TestProxy;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Takes the README's screenshot of the admin page from demo data ({@code src/test/ui/demo-screenshot.mjs})
 * on a fresh proxy. Not part of the suite; run it when the page changes:
 *
 * <pre>
 * mvn -B -pl proxy-server -am verify -Dtest=AdminPageScreenshot -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dtollgate.screenshot=$PWD/docs/admin-ui.png
 * </pre>
 */
@EnabledIfSystemProperty(named = "tollgate.screenshot", matches = ".+")
class AdminPageScreenshot {
    private static final String CONFIG = """
            model_list:
              - model_name: gpt-4o-mini
                litellm_params:
                  model: openai/gpt-4o-mini
                  mock_response: "Traffic rose four percent week over week; the north gate stayed the busiest."
                  input_cost_per_token: 0.00000015
                  output_cost_per_token: 0.0000006
            general_settings:
              master_key: %s
              proxy_batch_write_at: 1
            """;

    @Test
    void takeTheReadmeScreenshot() throws Exception {
        Path out = Path.of(System.getProperty("tollgate.screenshot")).toAbsolutePath();
        NodeScripts.prepare();
        try (TestProxy proxy = TestProxy.start(CONFIG.formatted(TestProxy.KEY))) {
            NodeScripts.Run run =
                    NodeScripts.run(120, "demo-screenshot.mjs", proxy.base(), TestProxy.KEY, out.toString());
            assertThat(run.report().path("failed").asText(""))
                    .as("demo-screenshot.mjs; stderr: %s", run.stderr())
                    .isEmpty();
            assertThat(run.exitCode()).isZero();
        }
        assertThat(out).isNotEmptyFile();
        assertThat(Files.size(out)).isGreaterThan(10_000);
    }
}
