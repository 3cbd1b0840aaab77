package dev.tollgate.server.budget;

import dev.tollgate.server.TestProxy;
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
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.util.Map;
import java.util.UUID;

/**
 * The storage behind a test server, kept across restarts: a data directory (embedded H2 lives
 * there), and in {@link Mode#REDIS_POSTGRES} a throw-away PostgreSQL database plus a private
 * Redis key prefix. {@link #start} starts a real proxy on it; {@link #close} drops the database and
 * deletes the Redis keys. (proxy-admin's TestDatabases is not visible from here.)
 */
public final class Backend implements AutoCloseable {
    static final String PG_ADMIN = "jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres";
    static final String REDIS = "redis://127.0.0.1:6379";

    private final Mode mode;
    private final Path dataDir;
    private final String pgName;
    private final String redisPrefix;

    private Backend(Mode mode, Path dataDir, String pgName, String redisPrefix) {
        this.mode = mode;
        this.dataDir = dataDir;
        this.pgName = pgName;
        this.redisPrefix = redisPrefix;
    }

    public static Backend create(Mode mode) throws Exception {
        Path dir = Files.createTempDirectory("tollgate-e2ebudget-");
        if (mode == Mode.EMBEDDED) {
            return new Backend(mode, dir, null, null);
        }
        String rnd = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        String name = "tg_e2ebudget_" + rnd;
        try (Connection c = DriverManager.getConnection(PG_ADMIN);
                Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        }
        return new Backend(mode, dir, name, "tgtest-" + rnd + ":");
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
        return "  database_url: \"postgresql://postgres@127.0.0.1:5432/" + pgName + "\"\n"
                + "  redis_url: \"" + REDIS + "\"\n"
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
            } catch (RedisConnectionException e) {
                // The store's connection handshake has a 250 ms timeout; on a machine shared by
                // many test JVMs a cold start can miss it. Not what these suites test: try again.
                if (attempt == 3) {
                    throw e;
                }
                Thread.sleep(500);
            }
        }
    }

    /** A JDBC connection straight to this backend's database, for row checks. */
    public Connection jdbc() throws Exception {
        if (mode == Mode.EMBEDDED) {
            // Same URL and settings as the server's pool: in one JVM, H2 shares the open database.
            Path file = dataDir.toAbsolutePath().resolve("tollgate");
            return DriverManager.getConnection(
                    "jdbc:h2:file:" + file + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH",
                    "sa",
                    "");
        }
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/" + pgName + "?user=postgres");
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
        if (pgName != null) {
            try (Connection c = DriverManager.getConnection(PG_ADMIN);
                    Statement s = c.createStatement()) {
                s.execute("DROP DATABASE IF EXISTS " + pgName + " WITH (FORCE)");
            }
        }
        if (redisPrefix != null) {
            RedisClient client = RedisClient.create(REDIS);
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
}
