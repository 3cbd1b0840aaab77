package dev.tollgate.testing.services;

import java.util.Map;
import java.util.Properties;

/**
 * Run in a JVM of its own by {@link WatchdogTest}: starts a private Redis and PostgreSQL, prints
 * {@code <redis pid> <postgres pid> <redis dir> <postgres dir>} on one line, then waits to be killed.
 */
public final class PrivateServersProbe {
    private PrivateServersProbe() {}

    public static void main(String[] args) throws Exception {
        ServiceSettings settings = ServiceSettings.from(Map.of(), new Properties(), Programs.installed())
                .withPrivateOnly(true);
        ServiceResolver resolver = new ServiceResolver(settings, System.err);
        resolver.redis();
        resolver.postgres();
        RedisServer redis = (RedisServer) resolver.privateServers().get(0);
        PostgresServer postgres = (PostgresServer) resolver.privateServers().get(1);
        System.out.println(redis.pid() + " " + postgres.pid() + " " + redis.dir() + " " + postgres.dir());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
