package dev.tollgate.testing.services;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.opentest4j.TestAbortedException;

/**
 * Finds the Redis and the PostgreSQL the tests use, each on its own, the first that works of:
 * <ol>
 *   <li>the one named by {@code TOLLGATE_TEST_REDIS_URL} / {@code TOLLGATE_TEST_DATABASE_URL} (one
 *       that does not answer is an error, never passed over);
 *   <li>the shared one on the default port, when it answers (unless private mode is on);
 *   <li>a private one started from the installed {@code redis-server}, {@code initdb} and
 *       {@code pg_ctl} on a free port, kept until {@link #close()};
 *   <li>none: a test that asks is skipped, and the first skip prints one line to the console; under
 *       {@code requireServices} it fails.
 * </ol>
 * Each is looked for once, when first asked for; the answer, a skip included, is kept.
 */
public final class ServiceResolver implements AutoCloseable {
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);

    private final ServiceSettings settings;
    private final PrintStream console;
    private final Set<String> printed = new HashSet<>();
    private final List<AutoCloseable> started = new ArrayList<>();
    private Outcome<RedisService> redis;
    private Outcome<PostgresService> postgres;
    private boolean closed;

    /** What looking for a service gave: the service, or why there is none, or why it failed. */
    private record Outcome<T>(T service, String missing, RuntimeException failure) {}

    @FunctionalInterface
    private interface Finder<T> {
        Outcome<T> find() throws Exception;
    }

    /** @param console where the skip line and the private servers' one-line notices go */
    public ServiceResolver(ServiceSettings settings, PrintStream console) {
        this.settings = settings;
        this.console = console;
    }

    public ServiceSettings settings() {
        return settings;
    }

    /** The tests' Redis; a missing one skips the calling test (fails it under requireServices). */
    public synchronized RedisService redis() {
        if (redis == null) {
            redis = look("Redis", this::findRedis);
        }
        return deliver(Need.REDIS, redis);
    }

    /** The tests' PostgreSQL; a missing one skips the calling test (fails it under requireServices). */
    public synchronized PostgresService postgres() {
        if (postgres == null) {
            postgres = look("PostgreSQL", this::findPostgres);
        }
        return deliver(Need.POSTGRES, postgres);
    }

    /** Returns when every need is met; else skips the calling test (fails it under requireServices). */
    public void require(Need... needs) {
        for (Need need : needs) {
            switch (need) {
                case REDIS -> redis();
                case POSTGRES -> postgres();
                case REDIS_SERVER -> requirePrograms(need, "redis-server", "redis-cli");
                case POSTGRES_SERVER -> {
                    if (settings.programs().postgresBin().isEmpty()) {
                        throw shortfall(need, "no directory with both initdb and pg_ctl in " + searched());
                    }
                }
                case NODE -> requirePrograms(need, "node", "npm");
                case CHROMIUM -> {
                    Path chromium = chromium();
                    if (!Files.isExecutable(chromium)) {
                        throw shortfall(need, "no executable " + chromium);
                    }
                }
            }
        }
    }

    /** Whether {@code need} is met; false after printing the skip line (throws under requireServices). */
    public boolean available(Need need) {
        try {
            require(need);
            return true;
        } catch (TestAbortedException missing) {
            return false;
        }
    }

    /** The Chromium binary the browser test drives: {@code $CHROMIUM}, else {@code /usr/bin/chromium}. */
    public static Path chromium() {
        String env = System.getenv("CHROMIUM");
        return Path.of(env == null || env.isBlank() ? "/usr/bin/chromium" : env);
    }

    private void requirePrograms(Need need, String... names) {
        List<String> missing = new ArrayList<>();
        for (String name : names) {
            if (settings.programs().find(name).isEmpty()) {
                missing.add(name);
            }
        }
        if (!missing.isEmpty()) {
            throw shortfall(need, "no " + String.join(", ", missing) + " in " + searched());
        }
    }

    private <T> Outcome<T> look(String what, Finder<T> finder) {
        if (closed) {
            return new Outcome<>(null, null, new IllegalStateException("test services already stopped"));
        }
        try {
            return finder.find();
        } catch (IllegalStateException | IllegalArgumentException e) {
            return new Outcome<>(null, null, e);
        } catch (Exception e) {
            return new Outcome<>(null, null, new IllegalStateException("starting a private " + what + " failed", e));
        }
    }

    private <T> T deliver(Need need, Outcome<T> outcome) {
        if (outcome.service() != null) {
            return outcome.service();
        }
        if (outcome.failure() != null) {
            throw new IllegalStateException(outcome.failure().getMessage(), outcome.failure());
        }
        throw shortfall(need, outcome.missing());
    }

    private Outcome<RedisService> findRedis() throws Exception {
        if (settings.redisUrl() != null) {
            RedisAddress address = parse(ServiceSettings.REDIS_URL_ENV, () -> RedisAddress.parse(settings.redisUrl()));
            try {
                RespProbe.ping(address, PROBE_TIMEOUT);
            } catch (IOException e) {
                throw new IllegalStateException(ServiceSettings.REDIS_URL_ENV + "=" + address.redacted()
                        + " does not answer PING: " + e.getMessage());
            }
            return new Outcome<>(new RedisService(address.url(), Origin.ENVIRONMENT), null, null);
        }
        List<String> why = new ArrayList<>();
        if (!settings.privateOnly()) {
            RedisAddress shared = RedisAddress.parse(settings.sharedRedisUrl());
            try {
                RespProbe.ping(shared, PROBE_TIMEOUT);
                return new Outcome<>(new RedisService(shared.url(), Origin.SHARED), null, null);
            } catch (IOException e) {
                why.add("no answer from " + shared.redacted() + " (" + e.getMessage() + ")");
            }
        }
        if (settings.programs().find("redis-server").isEmpty()) {
            why.add("no redis-server in " + searched());
            return new Outcome<>(null, "no Redis: " + String.join("; ", why), null);
        }
        RedisServer server = RedisServer.start(settings.programs());
        started.add(server);
        notice("test services: private Redis on " + server.url() + " (pid " + server.pid()
                + "), stopped when this JVM exits");
        return new Outcome<>(new RedisService(server.url(), Origin.PRIVATE), null, null);
    }

    private Outcome<PostgresService> findPostgres() throws Exception {
        if (settings.databaseUrl() != null) {
            PostgresAddress address =
                    parse(ServiceSettings.DATABASE_URL_ENV, () -> PostgresAddress.parse(settings.databaseUrl()));
            try {
                address.probe();
            } catch (SQLException e) {
                throw new IllegalStateException(ServiceSettings.DATABASE_URL_ENV + "=" + address.redacted()
                        + " does not accept a connection: " + e.getMessage());
            }
            return new Outcome<>(new PostgresService(address, Origin.ENVIRONMENT), null, null);
        }
        List<String> why = new ArrayList<>();
        if (!settings.privateOnly()) {
            PostgresAddress shared = PostgresAddress.parse(settings.sharedDatabaseUrl());
            try {
                shared.probe();
                return new Outcome<>(new PostgresService(shared, Origin.SHARED), null, null);
            } catch (SQLException e) {
                why.add("no connection to " + shared.redacted() + " (" + e.getMessage() + ")");
            }
        }
        if (settings.programs().postgresBin().isEmpty()) {
            why.add("no initdb and pg_ctl in " + searched());
            return new Outcome<>(null, "no PostgreSQL: " + String.join("; ", why), null);
        }
        PostgresServer server = PostgresServer.start(settings.programs(), "postgres", 100);
        started.add(server);
        notice("test services: private PostgreSQL on 127.0.0.1:" + server.port() + " (pid " + server.pid()
                + "), stopped when this JVM exits");
        return new Outcome<>(new PostgresService(server.address(), Origin.PRIVATE), null, null);
    }

    private interface Parser<T> {
        T parse();
    }

    private static <T> T parse(String variable, Parser<T> parser) {
        try {
            return parser.parse();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(variable + ": " + e.getMessage());
        }
    }

    /** The skip (printing its line once) or, under requireServices, the failure. */
    private RuntimeException shortfall(Need need, String detail) {
        if (settings.requireServices()) {
            return new IllegalStateException("required test service missing (" + ServiceSettings.REQUIRE_PROPERTY
                    + "=true): " + detail + "; " + need.remedy());
        }
        notice(need.skipLine());
        return new TestAbortedException(need.skipLine() + " (" + detail + ")");
    }

    private synchronized void notice(String line) {
        if (printed.add(line)) {
            console.println(line);
        }
    }

    private String searched() {
        return settings.programs().searched();
    }

    /** The private servers started so far, oldest first (for tests of this class). */
    synchronized List<AutoCloseable> privateServers() {
        return List.copyOf(started);
    }

    /** Stops the private servers (each by its pid) and deletes their directories. */
    @Override
    public synchronized void close() {
        closed = true;
        for (int i = started.size() - 1; i >= 0; i--) {
            try {
                started.get(i).close();
            } catch (Exception ignored) {
                // stop the rest regardless
            }
        }
        started.clear();
    }
}
