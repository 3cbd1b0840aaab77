package dev.tollgate.admin.spend;

import dev.tollgate.core.limits.InProcessLimitStore;
import dev.tollgate.core.limits.LimitStore;
import dev.tollgate.core.limits.redis.RedisClients;
import dev.tollgate.core.limits.redis.RedisLimitStore;
import dev.tollgate.testing.services.TestServices;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/** Limit stores for the flusher tests: in-process, or the tests' Redis under a throw-away key prefix. */
public final class TestStores {
    private TestStores() {}

    /** A store and what to clean up after it. */
    public record Handle(
            LimitStore store, RedisClient client, StatefulRedisConnection<String, String> connection, String prefix)
            implements AutoCloseable {
        @Override
        public void close() {
            if (client != null) {
                List<String> keys = connection.sync().keys(prefix + "*");
                if (!keys.isEmpty()) {
                    connection.sync().del(keys.toArray(String[]::new));
                }
            }
            store.close(); // the Redis store closes the connection too
            if (client != null) {
                client.shutdown();
            }
        }
    }

    public static Handle create(String kind) {
        if (kind.equals("inprocess")) {
            return new Handle(new InProcessLimitStore(), null, null, null);
        }
        RedisClient client = RedisClients.failFast(TestServices.redis().url(), Duration.ofSeconds(2));
        StatefulRedisConnection<String, String> connection = client.connect();
        String prefix = "tgtest:" + UUID.randomUUID().toString().substring(0, 8) + ":";
        return new Handle(new RedisLimitStore(connection, prefix), client, connection, prefix);
    }
}
