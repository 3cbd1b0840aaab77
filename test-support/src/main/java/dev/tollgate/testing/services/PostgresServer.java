package dev.tollgate.testing.services;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;

/**
 * A throw-away PostgreSQL cluster: {@code initdb} into a temp directory (trust authentication, one
 * superuser), {@code pg_ctl} on a free loopback port with fsync and full-page writes off. Commits
 * stay synchronous: a commit the server acknowledged is in the operating system's page cache
 * before the client hears of it, so it survives {@link #stop()} (a process kill), which is the
 * fault the outage tests simulate; only a machine crash could lose it. The server refuses to run
 * as root, so when the tests run as root the directory is handed to the {@code postgres} user and
 * the binaries run through {@code runuser}. A {@link Watchdog} stops it should the JVM die first.
 */
public final class PostgresServer implements AutoCloseable {
    private static final int START_ATTEMPTS = 3;

    private final Path bin;
    private final Path dir;
    private final String superuser;
    private final int maxConnections;
    private final Watchdog watchdog;
    private int port;

    private PostgresServer(Path bin, Path dir, String superuser, int maxConnections) throws IOException {
        this.bin = bin;
        this.dir = dir;
        this.superuser = superuser;
        this.maxConnections = maxConnections;
        this.watchdog = Watchdog.guard(dir);
    }

    /**
     * Initialises and starts a cluster whose superuser is {@code superuser} (no password; it owns
     * the {@code postgres} database). A port taken between choosing and binding it is retried on
     * another.
     */
    public static PostgresServer start(Programs programs, String superuser, int maxConnections) throws Exception {
        Path bin = programs.postgresBin()
                .orElseThrow(() -> new IllegalStateException("no initdb and pg_ctl in " + programs.searched()));
        Path dir = Files.createTempDirectory("tg-pg-");
        PostgresServer pg;
        try {
            if (Processes.isRoot()) {
                Processes.run(List.of("chown", "postgres", dir.toString()), 10);
            }
            pg = new PostgresServer(bin, dir, superuser, maxConnections);
        } catch (Exception | Error e) {
            Processes.deleteTree(dir);
            throw e;
        }
        try {
            pg.initdb();
            for (int attempt = 1; ; attempt++) {
                pg.port = Processes.freePort();
                try {
                    pg.startAgain();
                    return pg;
                } catch (IllegalStateException e) {
                    if (attempt == START_ATTEMPTS) {
                        throw e;
                    }
                }
            }
        } catch (Exception | Error e) {
            pg.close();
            throw e;
        }
    }

    private void initdb() throws Exception {
        String out = Processes.run(
                Processes.asPostgresUser(List.of(
                        bin.resolve("initdb").toString(),
                        "-D",
                        dir.resolve("data").toString(),
                        "-A",
                        "trust",
                        "-U",
                        superuser,
                        "--no-sync",
                        "-E",
                        "UTF8")),
                120);
        if (!Files.exists(dir.resolve("data/PG_VERSION"))) {
            throw new IllegalStateException("initdb failed:\n" + out);
        }
    }

    public int port() {
        return port;
    }

    public String superuser() {
        return superuser;
    }

    /** {@code jdbc:postgresql://127.0.0.1:<port>/<database>?user=<superuser>} */
    public String jdbcUrl(String database) {
        return address().jdbcUrl(database);
    }

    /** {@code postgresql://<superuser>@127.0.0.1:<port>/<database>}, the form {@code database_url} takes. */
    public String databaseUrl(String database) {
        return address().databaseUrl(database);
    }

    /** The superuser on this server, connecting to the {@code postgres} database. */
    PostgresAddress address() {
        return new PostgresAddress("127.0.0.1", port, superuser, null, "postgres", "");
    }

    public void createDatabase(String name) throws SQLException {
        address().execute("CREATE DATABASE " + name);
    }

    /** The postmaster's pid while the server runs. */
    public long pid() throws IOException {
        return Long.parseLong(
                Files.readAllLines(dir.resolve("data/postmaster.pid")).get(0).trim());
    }

    /** Where its data directory and log are. */
    public Path dir() {
        return dir;
    }

    /** Starts the server (its data intact) on the same port. */
    public void startAgain() throws Exception {
        String out = Processes.run(
                Processes.asPostgresUser(List.of(
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
                                + " -c listen_addresses=127.0.0.1 -c fsync=off"
                                + " -c full_page_writes=off -c max_connections=" + maxConnections,
                        "start")),
                90);
        if (!out.contains("server started")) {
            throw new IllegalStateException("pg_ctl start on port " + port + " failed:\n" + out + "\nlog:\n" + log());
        }
    }

    /** Stops the server at once (connections are cut; committed data survives). */
    public void stop() throws Exception {
        Processes.run(
                Processes.asPostgresUser(List.of(
                        bin.resolve("pg_ctl").toString(),
                        "-D",
                        dir.resolve("data").toString(),
                        "-m",
                        "immediate",
                        "-w",
                        "stop")),
                60);
    }

    private String log() {
        try {
            return Files.readString(dir.resolve("log"));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    /** Stops the server, deletes its directory and ends its watchdog. */
    @Override
    public void close() {
        try {
            if (Files.exists(dir.resolve("data/postmaster.pid"))) {
                long pid = pid();
                try {
                    stop();
                } finally {
                    if (Processes.isAlive(pid)) {
                        Processes.signal(pid, "KILL");
                    }
                }
            }
        } catch (Exception ignored) {
            // already stopped
        } finally {
            watchdog.close();
            Processes.deleteTree(dir);
        }
    }
}
