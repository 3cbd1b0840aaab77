package dev.tollgate.admin.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.net.URI;
import java.nio.file.Path;
import javax.sql.DataSource;

/**
 * The one connection pool. PostgreSQL when a database URL is configured, otherwise an embedded
 * H2 file database (PostgreSQL mode) under {@code ./data}, through the same JDBC code. JDBC is
 * blocking: callers run it on {@link JdbcExecutor}, never on an event loop.
 */
public final class Database implements AutoCloseable {
    private final HikariDataSource dataSource;
    private final boolean embedded;

    private Database(HikariDataSource dataSource, boolean embedded) {
        this.dataSource = dataSource;
        this.embedded = embedded;
    }

    /**
     * Opens the pool and runs pending migrations.
     *
     * @param databaseUrl {@code postgresql://user:pass@host:port/db}, {@code postgres://...},
     *                    {@code jdbc:postgresql://...}, {@code jdbc:h2:...}; null or blank = embedded H2
     * @param dataDir     where the embedded database lives (e.g. {@code ./data})
     */
    public static Database open(String databaseUrl, Path dataDir, int maxPoolSize) {
        HikariConfig hc = new HikariConfig();
        boolean embedded = databaseUrl == null || databaseUrl.isBlank();
        if (embedded) {
            Path file = dataDir.toAbsolutePath().resolve("tollgate");
            hc.setJdbcUrl(
                    "jdbc:h2:file:" + file + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH");
            hc.setUsername("sa");
            hc.setPassword("");
        } else {
            applyUrl(hc, databaseUrl.trim());
        }
        hc.setPoolName("tollgate-db");
        hc.setMaximumPoolSize(maxPoolSize);
        hc.setMinimumIdle(1);
        hc.setConnectionTimeout(5_000);
        hc.setValidationTimeout(2_000);
        // Fail the pool start fast but let the proxy start: a down database must not stop calls.
        hc.setInitializationFailTimeout(-1);
        hc.setAutoCommit(true);
        Database db = new Database(new HikariDataSource(hc), embedded);
        return db;
    }

    /** Accepts LiteLLM-style {@code postgresql://user:pass@host/db} as well as JDBC URLs. */
    static void applyUrl(HikariConfig hc, String url) {
        if (url.startsWith("jdbc:")) {
            hc.setJdbcUrl(url);
            return;
        }
        URI uri = URI.create(url);
        String scheme = uri.getScheme();
        if (!"postgresql".equals(scheme) && !"postgres".equals(scheme)) {
            throw new IllegalArgumentException("database_url: unsupported scheme '" + scheme
                    + "', expected postgresql://user:password@host:port/database or a jdbc: URL");
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

    public DataSource dataSource() {
        return dataSource;
    }

    public boolean embedded() {
        return embedded;
    }

    @Override
    public void close() {
        dataSource.close();
    }
}
