package dev.tollgate.core.limits.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.core.limits.InvalidationBus;
import dev.tollgate.testing.services.RedisServer;
import dev.tollgate.testing.services.TestServices;
import io.lettuce.core.RedisClient;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Pub/sub keeps nothing for a subscriber that is away: the bus makes up for messages lost to a
 * reconnect or to a failed publish, on a private Redis that is cut off and brought back.
 */
class RedisInvalidationBusTest {
    private static final String PREFIX = "bus-test:";

    @Test
    void aRenewedSubscriptionTellsListenersThatAnythingMayHaveChanged() throws Exception {
        try (RedisServer redis = TestServices.startRedisServer()) {
            RedisClient client = RedisClients.failFast(redis.url(), Duration.ofSeconds(1));
            try (RedisInvalidationBus bus = new RedisInvalidationBus(client, PREFIX)) {
                BlockingQueue<String> received = new LinkedBlockingQueue<>();
                bus.subscribe(received::add);
                bus.ready().toCompletableFuture().get(5, TimeUnit.SECONDS);
                assertThat(received.poll(300, TimeUnit.MILLISECONDS))
                        .as("the first subscription drops nothing")
                        .isNull();

                // Redis drops the subscriber (as on a restart or an output-buffer overflow).
                redis.cli("CLIENT", "KILL", "TYPE", "pubsub");

                assertThat(received.poll(15, TimeUnit.SECONDS)).isEqualTo(InvalidationBus.ALL);
            } finally {
                client.shutdown();
            }
        }
    }

    @Test
    void aFailedPublishIsMadeUpForWithAll() throws Exception {
        try (RedisServer redis = TestServices.startRedisServer()) {
            RedisClient publisherClient = RedisClients.failFast(redis.url(), Duration.ofMillis(200));
            RedisClient watcherClient = RedisClient.create(redis.url());
            List<String> seen = new CopyOnWriteArrayList<>();
            try (RedisInvalidationBus bus = new RedisInvalidationBus(publisherClient, PREFIX);
                    StatefulRedisPubSubConnection<String, String> watcher = watcherClient.connectPubSub()) {
                BlockingQueue<String> published = new LinkedBlockingQueue<>();
                watcher.addListener(new RedisPubSubAdapter<>() {
                    @Override
                    public void message(String channel, String message) {
                        published.add(message);
                    }
                });
                watcher.sync().subscribe(PREFIX + "events");
                bus.subscribe(seen::add);
                bus.ready().toCompletableFuture().get(5, TimeUnit.SECONDS);

                // Redis stops answering: the publish times out, and keeps failing while it is frozen.
                redis.freeze();
                try {
                    bus.publish("alice");
                    assertThat(seen)
                            .as("the publishing instance applies its own change at once")
                            .contains("alice");
                    Thread.sleep(3 * RedisInvalidationBus.REPUBLISH_AFTER_MS);
                } finally {
                    redis.thaw();
                }

                // Whatever of the timed-out publish still reaches Redis, ALL follows once it answers.
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
                boolean all = false;
                while (!all && System.nanoTime() < deadline) {
                    String m = published.poll(500, TimeUnit.MILLISECONDS);
                    all = InvalidationBus.ALL.equals(m);
                }
                assertThat(all).as("ALL published after the failure").isTrue();
            } finally {
                publisherClient.shutdown();
                watcherClient.shutdown();
            }
        }
    }
}
