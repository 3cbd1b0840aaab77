package dev.tollgate.server.fleet;

import dev.tollgate.testing.services.PostgresServer;
import dev.tollgate.testing.services.TestServices;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * A fault test's own PostgreSQL cluster ({@link PostgresServer}: {@code initdb} into a temp
 * directory, {@code pg_ctl} on a free loopback port, trust authentication, fsync off) with one
 * database {@code tollgate}, owned by the superuser {@code tollgate}.
 */
final class PostgresProcess implements AutoCloseable {
    private final PostgresServer server;

    private PostgresProcess(PostgresServer server) {
        this.server = server;
    }

    /** Starts one; the calling test is skipped when initdb and pg_ctl are not installed. */
    static PostgresProcess start() throws Exception {
        PostgresServer server = TestServices.startPostgresServer("tollgate");
        try {
            server.createDatabase("tollgate");
        } catch (Exception | Error e) {
            server.close();
            throw e;
        }
        return new PostgresProcess(server);
    }

    /** {@code postgresql://tollgate@127.0.0.1:<port>/tollgate}, the form {@code database_url} takes. */
    String url() {
        return server.databaseUrl("tollgate");
    }

    String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + server.port() + "/" + database;
    }

    Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl("tollgate"), "tollgate", "");
    }

    /** First column of the first row of a query, as a long (0 when no row or NULL). */
    long queryLong(String sql, Object... args) throws SQLException {
        try (Connection c = connect();
                var ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        }
    }

    void startAgain() throws Exception {
        server.startAgain();
    }

    /** Stops the server at once (connections are cut; committed data survives). */
    void stop() throws Exception {
        server.stop();
    }

    @Override
    public void close() {
        server.close();
    }
}
