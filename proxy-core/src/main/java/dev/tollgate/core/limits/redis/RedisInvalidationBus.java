package dev.tollgate.core.limits.redis;

import dev.tollgate.core.limits.InvalidationBus;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
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
 *
 * <p>Pub/sub keeps nothing for a subscriber that is away, so the bus makes up for lost messages
 * itself: when its subscription is renewed after a reconnect it tells its listeners
 * {@link InvalidationBus#ALL} (anything may have changed meanwhile), and when a publish fails it
 * publishes {@link InvalidationBus#ALL} once Redis takes commands again (retried every
 * {@link #REPUBLISH_AFTER_MS}). Caches can therefore keep their entries until an event says
 * otherwise, whatever the time between a customer's calls.
 */
public final class RedisInvalidationBus implements InvalidationBus {
    private static final Logger log = LoggerFactory.getLogger(RedisInvalidationBus.class);

    private final String channel;
    private final StatefulRedisPubSubConnection<String, String> subscriber;
    private final StatefulConnection<String, String> publisher;
    private final RedisClusterAsyncCommands<String, String> publish;
    private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();
    private final CompletionStage<Void> subscribed;
    /** Subscription confirmations so far: the first is the initial subscribe, later ones follow reconnects. */
    private final AtomicLong confirmations = new AtomicLong();
    /** A failed publish is being made up for (one pending ALL covers any number of failures). */
    private final AtomicBoolean republishPending = new AtomicBoolean();

    private volatile boolean closed;

    /** Pause before publishing ALL again after a failed publish. */
    static final long REPUBLISH_AFTER_MS = 1_000;

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

            @Override
            public void subscribed(String ch, long count) {
                if (channel.equals(ch) && confirmations.getAndIncrement() > 0) {
                    log.info("re-subscribed to {} after a reconnect: dropping every cached policy", channel);
                    deliver(ALL);
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
                log.warn(
                        "could not publish invalidation of {} ({}); publishing {} once Redis answers",
                        customerIdOrAll,
                        e.toString(),
                        ALL);
                republishAllLater();
            }
        });
    }

    /** Publishes ALL after a pause, and again after each failure, until one succeeds or the bus closes. */
    private void republishAllLater() {
        if (!republishPending.compareAndSet(false, true)) {
            return;
        }
        CompletableFuture.delayedExecutor(REPUBLISH_AFTER_MS, TimeUnit.MILLISECONDS)
                .execute(() -> {
                    if (closed) {
                        return;
                    }
                    publish.publish(channel, ALL).whenComplete((n, e) -> {
                        republishPending.set(false);
                        if (e != null) {
                            republishAllLater();
                        } else {
                            log.info("published {} to make up for a failed invalidation", ALL);
                        }
                    });
                });
    }

    @Override
    public void subscribe(Consumer<String> listener) {
        listeners.add(listener);
    }

    @Override
    public void close() {
        closed = true;
        listeners.clear();
        subscriber.close();
        publisher.close();
    }
}
