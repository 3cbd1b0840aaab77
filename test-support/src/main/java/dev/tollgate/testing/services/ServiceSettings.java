package dev.tollgate.testing.services;

import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * Where the tests' Redis and PostgreSQL come from, as the environment and system properties say.
 *
 * @param redisUrl {@code TOLLGATE_TEST_REDIS_URL}: use this Redis and nothing else (null: not set)
 * @param databaseUrl {@code TOLLGATE_TEST_DATABASE_URL}: use this PostgreSQL role, which may create
 *     databases, and nothing else (null: not set)
 * @param privateOnly {@code tollgate.tests.services=private} (or {@code TOLLGATE_TEST_SERVICES}):
 *     start private servers even when the shared ones answer
 * @param requireServices {@code tollgate.tests.requireServices=true}: a missing service fails the
 *     tests that need it instead of skipping them
 * @param sharedRedisUrl the shared Redis tried when no URL is set
 * @param sharedDatabaseUrl the shared PostgreSQL role tried when no URL is set
 * @param programs where {@code redis-server}, {@code initdb} and {@code pg_ctl} are looked for
 */
public record ServiceSettings(
        String redisUrl,
        String databaseUrl,
        boolean privateOnly,
        boolean requireServices,
        String sharedRedisUrl,
        String sharedDatabaseUrl,
        Programs programs) {
    public static final String REDIS_URL_ENV = "TOLLGATE_TEST_REDIS_URL";
    public static final String DATABASE_URL_ENV = "TOLLGATE_TEST_DATABASE_URL";
    public static final String SERVICES_PROPERTY = "tollgate.tests.services";
    public static final String SERVICES_ENV = "TOLLGATE_TEST_SERVICES";
    public static final String REQUIRE_PROPERTY = "tollgate.tests.requireServices";
    public static final String SHARED_REDIS_URL = "redis://127.0.0.1:6379";
    public static final String SHARED_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/postgres";

    /** This JVM's environment and system properties, and the installed programs. */
    public static ServiceSettings fromEnvironment() {
        return from(System.getenv(), System.getProperties(), Programs.installed());
    }

    public static ServiceSettings from(Map<String, String> env, Properties properties, Programs programs) {
        String mode = blankToNull(properties.getProperty(SERVICES_PROPERTY));
        if (mode == null) {
            mode = blankToNull(env.get(SERVICES_ENV));
        }
        boolean privateOnly;
        switch (mode == null ? "auto" : mode.toLowerCase(Locale.ROOT)) {
            case "auto" -> privateOnly = false;
            case "private" -> privateOnly = true;
            default ->
                throw new IllegalArgumentException(SERVICES_PROPERTY + "=" + mode
                        + ": expected auto (the default: the shared services when they answer, else private"
                        + " ones) or private (always private ones)");
        }
        return new ServiceSettings(
                blankToNull(env.get(REDIS_URL_ENV)),
                blankToNull(env.get(DATABASE_URL_ENV)),
                privateOnly,
                Boolean.parseBoolean(
                        properties.getProperty(REQUIRE_PROPERTY, "false").trim()),
                SHARED_REDIS_URL,
                SHARED_DATABASE_URL,
                programs);
    }

    /** The same, with these URLs set as if by the environment variables. */
    public ServiceSettings withUrls(String redis, String database) {
        return new ServiceSettings(
                redis, database, privateOnly, requireServices, sharedRedisUrl, sharedDatabaseUrl, programs);
    }

    /** The same, trying these shared services instead of the ones on the default ports. */
    public ServiceSettings withShared(String redis, String database) {
        return new ServiceSettings(redisUrl, databaseUrl, privateOnly, requireServices, redis, database, programs);
    }

    public ServiceSettings withPrograms(Programs p) {
        return new ServiceSettings(
                redisUrl, databaseUrl, privateOnly, requireServices, sharedRedisUrl, sharedDatabaseUrl, p);
    }

    public ServiceSettings withPrivateOnly(boolean only) {
        return new ServiceSettings(
                redisUrl, databaseUrl, only, requireServices, sharedRedisUrl, sharedDatabaseUrl, programs);
    }

    public ServiceSettings withRequireServices(boolean require) {
        return new ServiceSettings(
                redisUrl, databaseUrl, privateOnly, require, sharedRedisUrl, sharedDatabaseUrl, programs);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }
}
