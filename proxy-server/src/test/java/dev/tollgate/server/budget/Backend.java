package dev.tollgate.server.budget;

import dev.tollgate.server.StartupException;
import dev.tollgate.server.TestProxy;
import dev.tollgate.testing.services.Need;
import dev.tollgate.testing.services.Processes;
import dev.tollgate.testing.services.TestDatabase;
import dev.tollgate.testing.services.TestServices;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The storage behind a test server, kept across restarts: a data directory, and a throw-away
 * database ({@link TestDatabase}): embedded H2 in that directory, or in {@link Mode#REDIS_POSTGRES}
 * a PostgreSQL database on the tests' server plus a private key prefix on the tests' Redis
 * ({@link TestServices}; without them that mode's tests are skipped). {@link #start} starts a real
 * proxy on it; {@link #close} drops the database and deletes the Redis keys.
 */
public final class Backend implements AutoCloseable {
    private final Mode mode;
    private final Path dataDir;
    private final TestDatabase database;
    private final String redisUrl;
    private final String redisPrefix;

    private Backend(Mode mode, Path dataDir, TestDatabase database, String redisUrl, String redisPrefix) {
        this.mode = mode;
        this.dataDir = dataDir;
        this.database = database;
        this.redisUrl = redisUrl;
        this.redisPrefix = redisPrefix;
    }

    public static Backend create(Mode mode) throws Exception {
        if (mode == Mode.EMBEDDED) {
            TestDatabase h2 = TestDatabase.h2();
            return new Backend(mode, h2.dataDir(), h2, null, null);
        }
        String redisUrl = TestServices.redis().url();
        TestDatabase pg = TestDatabase.postgres("tg_e2ebudget_");
        String rnd = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        return new Backend(mode, Files.createTempDirectory("tollgate-e2ebudget-"), pg, redisUrl, "tgtest-" + rnd + ":");
    }

    /**
     * The modes this machine can run, for a test that runs every mode in one go: {@link
     * Mode#EMBEDDED} always, {@link Mode#REDIS_POSTGRES} when there are Redis and PostgreSQL (else
     * the skip line is printed, or under requireServices the test fails).
     */
    public static List<Mode> availableModes() {
        boolean fleet = TestServices.available(Need.REDIS) && TestServices.available(Need.POSTGRES);
        return fleet ? List.of(Mode.values()) : List.of(Mode.EMBEDDED);
    }

    public Mode mode() {
        return mode;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** The general_settings lines that select this backend (indented for a block mapping). */
    public String generalSettings() {
        if (mode == Mode.EMBEDDED) {
            return "";
        }
        return "  database_url: \"" + database.databaseUrl() + "\"\n"
                + "  redis_url: \"" + redisUrl + "\"\n"
                + "  redis_key_prefix: \"" + redisPrefix + "\"\n";
    }

    /**
     * Starts a proxy. {@code yaml} is a full config whose {@code general_settings:} block is written
     * as {@code general_settings:\n  master_key: ...}; the backend's lines are inserted into it.
     */
    public TestProxy start(String yaml) throws Exception {
        return start(yaml, Clock.systemUTC());
    }

    /** As {@link #start(String)}, with a proxy whose budgets, windows and jobs read {@code clock}. */
    public TestProxy start(String yaml, Clock clock) throws Exception {
        String marker = "general_settings:\n";
        int at = yaml.indexOf(marker);
        if (at < 0) {
            throw new IllegalArgumentException("config needs a block-style general_settings section");
        }
        String full =
                yaml.substring(0, at + marker.length()) + generalSettings() + yaml.substring(at + marker.length());
        for (int attempt = 1; ; attempt++) {
            try {
                return TestProxy.start(full, dataDir, Map.of(), clock);
            } catch (StartupException e) {
                // The store's connection handshake has a 250 ms timeout; on a machine shared by
                // many test JVMs a cold start can miss it. Not what these suites test: try again.
                if (attempt == 3 || !redisConnect(e)) {
                    throw e;
                }
                Thread.sleep(500);
            }
        }
    }

    private static boolean redisConnect(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof RedisConnectionException) {
                return true;
            }
        }
        return false;
    }

    /**
     * A JDBC connection straight to this backend's database, for row checks (embedded: the same
     * URL and settings as the server's pool; in one JVM, H2 shares the open database).
     */
    public Connection jdbc() throws Exception {
        return database.connect();
    }

    /** Sum and count of customer rows' spend_nanos, read straight from the database. */
    public long[] persistedSpend() throws Exception {
        try (Connection c = jdbc();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT COALESCE(SUM(spend_nanos), 0), COUNT(*) FROM tg_customer")) {
            rs.next();
            return new long[] {rs.getLong(1), rs.getLong(2)};
        }
    }

    @Override
    public void close() throws Exception {
        try {
            database.close();
        } finally {
            if (redisPrefix != null) {
                deleteRedisKeys();
                Processes.deleteTree(dataDir);
            }
        }
    }

    /**
     * Deletes this backend's keys from Redis: to its proxies, the same as a Redis restarted without
     * persistence (the keys are private to this backend). Redis mode only.
     */
    public void emptyRedis() {
        if (redisPrefix == null) {
            throw new IllegalStateException("no Redis in mode " + mode);
        }
        deleteRedisKeys();
    }

    private void deleteRedisKeys() {
        RedisClient client = RedisClient.create(redisUrl);
        try (StatefulRedisConnection<String, String> conn = client.connect()) {
            RedisCommands<String, String> cmd = conn.sync();
            ScanCursor cursor = ScanCursor.INITIAL;
            ScanArgs args = ScanArgs.Builder.matches(redisPrefix + "*").limit(500);
            do {
                KeyScanCursor<String> page = cmd.scan(cursor, args);
                if (!page.getKeys().isEmpty()) {
                    cmd.del(page.getKeys().toArray(new String[0]));
                }
                cursor = page;
            } while (!cursor.isFinished());
        } finally {
            client.shutdown();
        }
    }
}
