package dev.tollgate.admin.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.net.URI;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one connection pool. PostgreSQL when a database URL is configured, otherwise an embedded
 * H2 file database (PostgreSQL mode) under {@code ./data}, through the same JDBC code. JDBC is
 * blocking: callers run it on {@link JdbcExecutor}, never on an event loop.
 *
 * <p>The embedded database is opened with {@code DB_CLOSE_ON_EXIT=FALSE}: H2 would otherwise
 * close it from its own JVM shutdown hook, which runs concurrently with Tollgate's, so the final
 * spend flush of a graceful stop could find it closed. Tollgate closes it itself, last.
 */
public final class Database implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Database.class);
    /** File name (without H2's {@code .mv.db}) of the embedded database inside the data directory. */
    public static final String EMBEDDED_FILE = "tollgate";
    /** How long a caller waits for a pooled connection before its database call fails. */
    static final long CONNECTION_TIMEOUT_MS = 5_000;
    /** How long a connection check may take. */
    static final long VALIDATION_TIMEOUT_MS = 2_000;

    private final HikariDataSource dataSource;
    private final boolean embedded;
    private final String description;

    private Database(HikariDataSource dataSource, boolean embedded, String description) {
        this.dataSource = dataSource;
        this.embedded = embedded;
        this.description = description;
    }

    /**
     * Opens the pool (no connection is made yet: a down database must not stop the start; the
     * first caller finds out). Migrations are the caller's: {@link Migrations#run}.
     *
     * @param databaseUrl {@code postgresql://user:pass@host:port/db}, {@code postgres://...},
     *                    {@code jdbc:postgresql://...}, {@code jdbc:h2:...}; null or blank = embedded H2
     * @param dataDir     where the embedded database lives (e.g. {@code ./data})
     * @throws IllegalArgumentException when the URL is not one of the forms above
     */
    public static Database open(String databaseUrl, Path dataDir, int maxPoolSize) {
        HikariConfig hc = new HikariConfig();
        boolean embedded = databaseUrl == null || databaseUrl.isBlank();
        String description;
        if (embedded) {
            Path file = dataDir.toAbsolutePath().resolve(EMBEDDED_FILE);
            hc.setJdbcUrl(embeddedUrl(file));
            hc.setUsername("sa");
            hc.setPassword("");
            description = "embedded H2 " + file + ".mv.db";
        } else {
            applyUrl(hc, databaseUrl.trim());
            description = describeJdbcUrl(hc.getJdbcUrl());
        }
        hc.setPoolName("tollgate-db");
        hc.setMaximumPoolSize(maxPoolSize);
        hc.setMinimumIdle(1);
        hc.setConnectionTimeout(CONNECTION_TIMEOUT_MS);
        hc.setValidationTimeout(VALIDATION_TIMEOUT_MS);
        // Fail the pool start fast but let the proxy start: a down database must not stop calls.
        hc.setInitializationFailTimeout(-1);
        hc.setAutoCommit(true);
        return new Database(new HikariDataSource(hc), embedded, description);
    }

    /** The JDBC URL of the embedded database at {@code file} (without H2's {@code .mv.db}). */
    static String embeddedUrl(Path file) {
        return "jdbc:h2:file:" + file
                + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;DB_CLOSE_ON_EXIT=FALSE";
    }

    /** Accepts LiteLLM-style {@code postgresql://user:pass@host/db} as well as JDBC URLs. */
    static void applyUrl(HikariConfig hc, String url) {
        if (url.startsWith("jdbc:")) {
            hc.setJdbcUrl(url);
            return;
        }
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("database_url: not a URL (" + e.getMessage()
                    + "), expected postgresql://user:password@host:port/database or a jdbc: URL");
        }
        String scheme = uri.getScheme();
        if (!"postgresql".equals(scheme) && !"postgres".equals(scheme)) {
            throw new IllegalArgumentException("database_url: unsupported scheme '" + scheme
                    + "', expected postgresql://user:password@host:port/database or a jdbc: URL");
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException(
                    "database_url: no host, expected postgresql://user:password@host:port/database");
        }
        int port = uri.getPort() == -1 ? 5432 : uri.getPort();
        String query = uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery();
        hc.setJdbcUrl("jdbc:postgresql://" + uri.getHost() + ":" + port + uri.getRawPath() + query);
        String userInfo = uri.getUserInfo();
        if (userInfo != null) {
            int colon = userInfo.indexOf(':');
            hc.setUsername(colon < 0 ? userInfo : userInfo.substring(0, colon));
            if (colon >= 0) {
                hc.setPassword(userInfo.substring(colon + 1));
            }
        }
    }

    /**
     * The database for humans, never with a password: {@code PostgreSQL host:port/db}, or the JDBC
     * URL up to its parameters for other drivers.
     */
    static String describeJdbcUrl(String jdbcUrl) {
        String prefix = "jdbc:postgresql://";
        if (jdbcUrl.startsWith(prefix)) {
            String rest = jdbcUrl.substring(prefix.length());
            int end = indexOfAny(rest, '?', ';');
            String hostAndDb = end < 0 ? rest : rest.substring(0, end);
            int at = hostAndDb.lastIndexOf('@');
            return "PostgreSQL " + (at < 0 ? hostAndDb : hostAndDb.substring(at + 1));
        }
        int end = indexOfAny(jdbcUrl, '?', ';');
        return end < 0 ? jdbcUrl : jdbcUrl.substring(0, end);
    }

    private static int indexOfAny(String s, char a, char b) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == a || s.charAt(i) == b) {
                return i;
            }
        }
        return -1;
    }

    private int openConnections() {
        var pool = dataSource.getHikariPoolMXBean();
        return pool == null ? 0 : pool.getTotalConnections();
    }

    private void shutDownEmbedded() {
        Connection c;
        try {
            c = dataSource.getConnection();
        } catch (SQLException e) {
            LOG.warn("Embedded database shutdown failed: {}", e.getMessage());
            return;
        }
        try (Statement s = c.createStatement()) {
            s.execute("SHUTDOWN");
        } catch (SQLException e) {
            LOG.warn("Embedded database shutdown failed: {}", e.getMessage());
        }
        try {
            c.close();
        } catch (SQLException expected) {
            // SHUTDOWN closed every session, this one too: the pool cannot reset it.
        }
    }

    public DataSource dataSource() {
        return dataSource;
    }

    public boolean embedded() {
        return embedded;
    }

    /** Where the data lives, for logs: the H2 file or the PostgreSQL host, port and database; no password. */
    public String description() {
        return description;
    }

    /**
     * Closes the pool. The embedded database is shut down first ({@code SHUTDOWN}: every commit
     * written to the file, the file closed), so its data does not depend on every pooled
     * connection being returned before the process exits.
     */
    @Override
    public void close() {
        // No open connection: the embedded database is not open in this process (e.g. it could not be).
        if (embedded && !dataSource.isClosed() && openConnections() > 0) {
            shutDownEmbedded();
        }
        dataSource.close();
    }
}
