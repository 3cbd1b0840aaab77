package dev.tollgate.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line as an operator and a supervisor meet it: options, exit codes, one-line failures. */
class MainProcessTest {
    static final Duration EXIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    Path config(String general) throws Exception {
        Path file = dir.resolve("config.yaml");
        Files.writeString(file, """
                model_list:
                  - model_name: m
                    litellm_params: {model: openai/gpt-4o, mock_response: "hi"}
                general_settings:
                  master_key: %s
                %s
                """.formatted(TestProxy.KEY, general));
        return file;
    }

    @Test
    void versionIsTheBuildsVersion() throws Exception {
        try (MainProcess p = MainProcess.start(dir.resolve("out.log"), Map.of(), "--version")) {
            assertThat(p.awaitExit(EXIT)).isEqualTo(ExitCode.OK);
            assertThat(p.output().strip()).matches("tollgate \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?");
        }
    }

    @Test
    void aPortInUseExitsAtOnceWithOneLineNamingHostAndPort() throws Exception {
        Path config = config("");
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            // --config=FILE, and the port from the environment.
            try (MainProcess p = MainProcess.start(
                    dir.resolve("port.log"),
                    Map.of("TOLLGATE_PORT", String.valueOf(port), "TOLLGATE_HOST", "127.0.0.1"),
                    "--config=" + config,
                    "--data-dir=" + dir.resolve("data"))) {
                assertThat(p.awaitExit(EXIT)).as(p.output()).isEqualTo(ExitCode.START_FAILED);
                String out = p.output();
                assertThat(out.lines().filter(l -> l.startsWith("tollgate: ")))
                        .containsExactly("tollgate: cannot listen on 127.0.0.1:" + port + ": address already in use");
                assertThat(out).doesNotContain("\tat ").doesNotContain("Exception");
            }
        }
    }

    @Test
    void anInvalidConfigExitsWithTwoAndNamesTheKey() throws Exception {
        Path config = config("  proxy_batch_write_at: -3");
        try (MainProcess p = MainProcess.start(
                dir.resolve("bad.log"), Map.of("TOLLGATE_CONFIG", config.toString()), "--port", "0")) {
            assertThat(p.awaitExit(EXIT)).as(p.output()).isEqualTo(ExitCode.USAGE);
            assertThat(p.output())
                    .startsWith("tollgate: invalid config " + config.toAbsolutePath())
                    .contains("proxy_batch_write_at")
                    .doesNotContain("\tat ");
        }
    }

    @Test
    void anUnknownOptionExitsWithTwo() throws Exception {
        try (MainProcess p = MainProcess.start(dir.resolve("opt.log"), Map.of(), "--prot", "4000")) {
            assertThat(p.awaitExit(EXIT)).isEqualTo(ExitCode.USAGE);
            assertThat(p.output().strip()).isEqualTo("tollgate: Unknown options: '--prot', '4000' (see --help)");
        }
    }
}
