package dev.tollgate.testing.services;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the fault tests do to a server of their own: stop, start again empty, freeze, thaw, close. */
class RedisServerTest {
    @Test
    void stoppedRestartedEmptyFrozenThawedAndClosed() throws Exception {
        long pid;
        Path dir;
        RedisAddress address;
        try (RedisServer redis = TestServices.startRedisServer()) {
            address = RedisAddress.parse(redis.url());
            pid = redis.pid();
            dir = redis.dir();
            assertThat(Files.readString(dir.resolve("redis.pid")).trim()).isEqualTo(Long.toString(pid));
            assertThat(redis.cli("set", "k", "v")).isEqualTo("OK");

            redis.stop();
            assertThat(Processes.isAlive(pid)).isFalse();
            assertThatThrownBy(() -> RespProbe.ping(address, Duration.ofSeconds(1)))
                    .isInstanceOf(IOException.class);

            redis.startAgain();
            assertThat(redis.port()).isEqualTo(address.port());
            assertThat(redis.cli("exists", "k")).as("started empty").isEqualTo("0");

            redis.freeze();
            assertThatThrownBy(() -> RespProbe.ping(address, Duration.ofMillis(300)))
                    .isInstanceOf(SocketTimeoutException.class);
            redis.thaw();
            RespProbe.ping(address, Duration.ofSeconds(5));

            redis.freeze(); // close thaws before it kills
            pid = redis.pid();
        }
        ServiceResolverTest.awaitGone(List.of(pid));
        assertThat(dir).doesNotExist();
    }
}
