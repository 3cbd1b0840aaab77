package dev.tollgate.core.limits.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.core.routing.DeploymentUsage;
import dev.tollgate.core.routing.InProcessDeploymentUsage;
import dev.tollgate.testing.services.Need;
import dev.tollgate.testing.services.Needs;
import dev.tollgate.testing.services.TestServices;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The contract of {@link DeploymentUsage}, in process and on a real Redis: exactly rpm requests a
 * minute, tokens reserved then settled, a new minute starting empty. Its keys expire by
 * themselves within two minutes.
 */
@Needs(Need.REDIS)
class DeploymentUsageTest {
    private static final long MINUTE = DeploymentUsage.windowStart(1_700_000_000_000L);

    static RedisEndpoint endpoint;
    static RedisDeploymentUsage redis;
    static RedisClient watcherClient;
    static StatefulRedisConnection<String, String> watcher;

    @BeforeAll
    static void connect() {
        endpoint = RedisEndpoint.failFast(TestServices.redis().url(), Duration.ofSeconds(5));
        redis = new RedisDeploymentUsage(endpoint, "dep-usage-" + UUID.randomUUID() + ":");
        watcherClient = RedisClient.create(TestServices.redis().url());
        watcher = watcherClient.connect();
    }

    @AfterAll
    static void close() {
        redis.close();
        endpoint.close();
        watcher.close();
        watcherClient.shutdown();
    }

    static Stream<DeploymentUsage> implementations() {
        return Stream.of(new InProcessDeploymentUsage(), redis);
    }

    private static boolean acquire(DeploymentUsage u, String id, long window, long rpm, long tpm, long tokens)
            throws Exception {
        return u.tryAcquire(id, window, rpm, tpm, tokens).toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    private static String id() {
        return "d-" + UUID.randomUUID();
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void admitsExactlyRpmRequestsAMinute(DeploymentUsage u) throws Exception {
        String id = id();
        for (int i = 0; i < 3; i++) {
            assertThat(acquire(u, id, MINUTE, 3, -1, 10))
                    .as("request %d", i + 1)
                    .isTrue();
        }
        assertThat(acquire(u, id, MINUTE, 3, -1, 10)).isFalse();
        assertThat(acquire(u, id, MINUTE, 3, -1, 0)).isFalse();
        assertThat(u.usage(id, MINUTE)).isEqualTo(new DeploymentUsage.Counts(3, 30));
        // The next minute starts empty.
        long next = MINUTE + DeploymentUsage.WINDOW_MS;
        assertThat(u.usage(id, next)).isEqualTo(DeploymentUsage.Counts.ZERO);
        assertThat(acquire(u, id, next, 3, -1, 10)).isTrue();
        assertThat(u.usage(id, next)).isEqualTo(new DeploymentUsage.Counts(1, 10));
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void tpmCountsReservedThenSettledTokens(DeploymentUsage u) throws Exception {
        String id = id();
        assertThat(acquire(u, id, MINUTE, -1, 100, 60)).isTrue();
        assertThat(acquire(u, id, MINUTE, -1, 100, 60))
                .as("60 reserved + 60 exceed 100")
                .isFalse();
        // The first call used 20 tokens in the end: 40 of the minute come back.
        u.settle(id, MINUTE, 60, 20);
        awaitTokens(u, id, 20);
        assertThat(acquire(u, id, MINUTE, -1, 100, 60)).isTrue();
        assertThat(acquire(u, id, MINUTE, -1, 100, 21)).isFalse();
        assertThat(acquire(u, id, MINUTE, -1, 100, 20)).isTrue();
        assertThat(u.usage(id, MINUTE)).isEqualTo(new DeploymentUsage.Counts(3, 100));
        // A failed call settles to zero; a count never goes below zero.
        u.settle(id, MINUTE, 500, 0);
        awaitTokens(u, id, 0);
        assertThat(acquire(u, id, MINUTE, -1, 100, 100)).isTrue();
    }

    /** Settles on Redis are sent without waiting: the next acquire is what sees them. */
    private static void awaitTokens(DeploymentUsage u, String id, long tokens) throws Exception {
        if (u instanceof RedisDeploymentUsage r) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (System.nanoTime() < deadline) {
                String t = watcher.sync().hget(r.key(id, MINUTE), "t");
                if (Long.toString(tokens).equals(t)) {
                    return;
                }
                Thread.sleep(10);
            }
            throw new AssertionError("tokens never settled to " + tokens);
        }
        assertThat(u.usage(id, MINUTE).tokens()).isEqualTo(tokens);
    }
}
