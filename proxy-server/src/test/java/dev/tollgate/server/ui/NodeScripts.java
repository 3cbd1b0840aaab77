package dev.tollgate.server.ui;

import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.core.json.Json;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the Node scripts of {@code src/test/ui} (playwright-core driving Debian's chromium, the
 * openai SDK): installs their npm packages from the committed lockfile when missing, runs one, and
 * reads the JSON report it prints as its last line.
 */
final class NodeScripts {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path DIR = Path.of("src/test/ui").toAbsolutePath();

    private NodeScripts() {}

    /** Fails the test with the way to fix it when chromium is missing; installs the npm packages. */
    static void prepare() throws Exception {
        if (!Files.isExecutable(CHROMIUM)) {
            fail("The admin page browser scripts need Debian's chromium at " + CHROMIUM
                    + ": install it with `apt-get install -y chromium` (.ci/run does this when it is missing).");
        }
        if (Files.isDirectory(DIR.resolve("node_modules/playwright-core"))
                && Files.isDirectory(DIR.resolve("node_modules/openai"))) {
            return;
        }
        for (List<String> cmd : List.of(
                List.of("npm", "ci", "--no-audit", "--no-fund"),
                List.of("npm", "install", "--no-audit", "--no-fund"))) {
            File log = Files.createTempFile("npm-", ".log").toFile();
            ProcessBuilder pb = new ProcessBuilder(cmd)
                    .directory(DIR.toFile())
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
        fail("Could not install the browser scripts' npm packages in " + DIR);
    }

    /** What a script printed and how it ended. */
    record Run(int exitCode, String stdout, String stderr, JsonNode report) {}

    /** Runs {@code node script args...}; fails the test when it does not end in time or prints no JSON report. */
    static Run run(long timeoutSeconds, String script, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("node", script));
        cmd.addAll(List.of(args));
        Path stderr = Files.createTempFile("ui-script-", ".stderr");
        Process p = new ProcessBuilder(cmd)
                .directory(DIR.toFile())
                .redirectError(stderr.toFile())
                .start();
        p.getOutputStream().close();
        byte[] out;
        try (var in = p.getInputStream()) {
            out = in.readAllBytes(); // the scripts always exit (their own timeouts are shorter)
        }
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(script + " did not finish within " + timeoutSeconds + " s; stderr: " + Files.readString(stderr));
        }
        String stdout = new String(out, StandardCharsets.UTF_8).trim();
        String err = Files.readString(stderr);
        String last = stdout.isEmpty() ? "" : stdout.substring(stdout.lastIndexOf('\n') + 1);
        try {
            return new Run(p.exitValue(), stdout, err, Json.MAPPER.readTree(last));
        } catch (Exception e) {
            throw new AssertionError(script + " printed no JSON report (exit " + p.exitValue() + ").\nstdout: " + stdout
                    + "\nstderr: " + err);
        }
    }
}
