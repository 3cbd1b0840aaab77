package dev.tollgate.testing.services;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A test JVM that is killed (no shutdown hook runs) leaves nothing running: the watchdogs of its
 * private servers stop them and delete their directories.
 */
class WatchdogTest {
    @Test
    void privateServersOfAKilledJvmAreStoppedAndDeleted() throws Exception {
        TestServices.require(Need.REDIS_SERVER, Need.POSTGRES_SERVER);
        Path stderr = Files.createTempFile("tg-probe-", ".log");
        Process child = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        PrivateServersProbe.class.getName())
                .redirectError(stderr.toFile())
                .start();
        try {
            String line;
            try (BufferedReader out =
                    new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                line = out.readLine();
                assertThat(line)
                        .as("probe output; stderr: %s", Files.readString(stderr))
                        .isNotNull();
                String[] parts = line.split(" ");
                List<Long> pids = List.of(Long.parseLong(parts[0]), Long.parseLong(parts[1]));
                List<Path> dirs = List.of(Path.of(parts[2]), Path.of(parts[3]));
                assertThat(pids).allMatch(Processes::isAlive);
                assertThat(dirs).allMatch(Files::isDirectory);

                child.destroyForcibly(); // SIGKILL: no shutdown hook
                assertThat(child.waitFor()).isNotZero();

                ServiceResolverTest.awaitGone(pids);
                long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
                while (dirs.stream().anyMatch(Files::exists) && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                }
                assertThat(dirs).noneMatch(Files::exists);
            }
        } finally {
            child.destroyForcibly();
            Files.deleteIfExists(stderr);
        }
    }
}
