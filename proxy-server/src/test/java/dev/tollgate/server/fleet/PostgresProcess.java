package dev.tollgate.server.fleet;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * A throw-away PostgreSQL cluster ({@code initdb} into a temp directory, {@code pg_ctl} on a free
 * loopback port, trust authentication, fsync off) with one database {@code tollgate}. The server
 * refuses to run as root, so when the tests run as root the directory is handed to the
 * {@code postgres} user and the binaries run through {@code runuser}.
 */
final class PostgresProcess implements AutoCloseable {
    private final Path dir;
    private final int port;
    private final Path bin;

    private PostgresProcess(Path dir, int port, Path bin) {
        this.dir = dir;
        this.port = port;
        this.bin = bin;
    }

    static PostgresProcess start() throws Exception {
        Path bin = findBin();
        Path dir = Files.createTempDirectory("tg-pg-");
        if (Processes.isRoot()) {
            Processes.run(List.of("chown", "postgres", dir.toString()), 10);
        }
        PostgresProcess pg = new PostgresProcess(dir, Processes.freePort(), bin);
        String out = pg.runAs(
                List.of(
                        bin.resolve("initdb").toString(),
                        "-D",
                        dir.resolve("data").toString(),
                        "-A",
                        "trust",
                        "-U",
                        "tollgate",
                        "--no-sync",
                        "-E",
                        "UTF8"),
                120);
        if (!Files.exists(dir.resolve("data/PG_VERSION"))) {
            pg.close();
            throw new IllegalStateException("initdb failed:\n" + out);
        }
        pg.startAgain();
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl("postgres"), "tollgate", "");
                Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE tollgate");
        }
        return pg;
    }

    private static Path findBin() throws Exception {
        try (var dirs = Files.list(Path.of("/usr/lib/postgresql"))) {
            return dirs.sorted()
                    .map(d -> d.resolve("bin"))
                    .filter(d -> Files.isExecutable(d.resolve("pg_ctl")))
                    .reduce((a, b) -> b)
                    .orElseThrow(() -> new IllegalStateException("no /usr/lib/postgresql/*/bin/pg_ctl"));
        }
    }

    /** {@code postgresql://tollgate@127.0.0.1:<port>/tollgate}, the form {@code database_url} takes. */
    String url() {
        return "postgresql://tollgate@127.0.0.1:" + port + "/tollgate";
    }

    String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
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
        String out = runAs(
                List.of(
                        bin.resolve("pg_ctl").toString(),
                        "-D",
                        dir.resolve("data").toString(),
                        "-l",
                        dir.resolve("log").toString(),
                        "-w",
                        "-t",
                        "60",
                        "-o",
                        "-p " + port + " -k " + dir
                                + " -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off"
                                + " -c full_page_writes=off -c max_connections=100",
                        "start"),
                90);
        if (!out.contains("server started")) {
            throw new IllegalStateException("pg_ctl start failed:\n" + out);
        }
    }

    /** Stops the server at once (connections are cut; committed data survives). */
    void stop() throws Exception {
        runAs(
                List.of(
                        bin.resolve("pg_ctl").toString(),
                        "-D",
                        dir.resolve("data").toString(),
                        "-m",
                        "immediate",
                        "-w",
                        "stop"),
                60);
    }

    private String runAs(List<String> cmd, int timeoutSeconds) throws Exception {
        List<String> full = new ArrayList<>();
        if (Processes.isRoot()) {
            full.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        full.addAll(cmd);
        return Processes.run(full, timeoutSeconds);
    }

    @Override
    public void close() {
        try {
            stop();
        } catch (Exception ignored) {
            // already stopped
        }
        Processes.deleteTree(dir);
    }
}
