package dev.tollgate.core.limits.redis;

import dev.tollgate.core.limits.InvalidationBus;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fleet {@link InvalidationBus} on Redis pub/sub, channel {@code <prefix>events}. It holds a
 * dedicated pub/sub connection for receiving (a subscribed connection serves nothing else) and
 * a plain one for publishing. Every instance, the publisher included, receives every message.
 * Listeners run on the subscriber connection's I/O thread (a Lettuce thread, or one of the proxy's
 * event loops when the endpoint uses {@link RedisLoopResources}; and, for the publisher's own
 * instance, also at once on the publishing thread) and must return quickly (drop a cache entry, no I/O).
 */
public final class RedisInvalidationBus implements InvalidationBus {
    private static final Logger log = LoggerFactory.getLogger(RedisInvalidationBus.class);

    private final String channel;
    private final StatefulRedisPubSubConnection<String, String> subscriber;
    private final StatefulConnection<String, String> publisher;
    private final RedisClusterAsyncCommands<String, String> publish;
    private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();
    private final CompletionStage<Void> subscribed;

    /**
     * Opens two connections from {@code client} (blocking: call at startup) and subscribes. The
     * bus owns the connections, not the client.
     */
    public RedisInvalidationBus(RedisClient client, String keyPrefix) {
        this(keyPrefix, client.connect(), client.connectPubSub());
    }

    /** As above on any endpoint, a single server or a Redis Cluster (which broadcasts PUBLISH to all nodes). */
    public RedisInvalidationBus(RedisEndpoint endpoint, String keyPrefix) {
        this(keyPrefix, endpoint.connect(), endpoint.connectPubSub());
    }

    private RedisInvalidationBus(
            String keyPrefix,
            RedisEndpoint.Connection publisher,
            StatefulRedisPubSubConnection<String, String> subscriber) {
        this(keyPrefix, publisher.stateful(), publisher.async(), subscriber);
    }

    private RedisInvalidationBus(
            String keyPrefix,
            StatefulRedisConnection<String, String> publisher,
            StatefulRedisPubSubConnection<String, String> subscriber) {
        this(keyPrefix, publisher, publisher.async(), subscriber);
    }

    private RedisInvalidationBus(
            String keyPrefix,
            StatefulConnection<String, String> publisher,
            RedisClusterAsyncCommands<String, String> publish,
            StatefulRedisPubSubConnection<String, String> subscriber) {
        this.channel = new RedisKeys(keyPrefix == null ? RedisLimitStore.DEFAULT_PREFIX : keyPrefix).events();
        this.publisher = publisher;
        this.publish = publish;
        this.subscriber = subscriber;
        subscriber.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(String ch, String message) {
                if (channel.equals(ch)) {
                    deliver(message);
                }
            }
        });
        // Lettuce re-subscribes by itself after a reconnect.
        this.subscribed = subscriber.async().subscribe(channel);
    }

    /** Completes once the subscription is confirmed; messages published before may be missed. */
    public CompletionStage<Void> ready() {
        return subscribed;
    }

    private void deliver(String message) {
        for (Consumer<String> l : listeners) {
            try {
                l.accept(message);
            } catch (RuntimeException e) {
                log.warn("invalidation listener failed on {}", message, e);
            }
        }
    }

    @Override
    public void publish(String customerIdOrAll) {
        // This instance first, synchronously: an admin write must be enforced by the instance that
        // made it before its answer goes out, not after a pub/sub round trip (its own copy of the
        // message arrives later and drops the entry once more, which is harmless).
        deliver(customerIdOrAll);
        publish.publish(channel, customerIdOrAll).whenComplete((n, e) -> {
            if (e != null) {
                // Caches still expire on their own; the change is only applied later.
                log.warn("could not publish invalidation of {}", customerIdOrAll, e);
            }
        });
    }

    @Override
    public void subscribe(Consumer<String> listener) {
        listeners.add(listener);
    }

    @Override
    public void close() {
        listeners.clear();
        subscriber.close();
        publisher.close();
    }
}
