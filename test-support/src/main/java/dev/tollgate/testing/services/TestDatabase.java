package dev.tollgate.testing.services;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/**
 * A throw-away database for one test: a fresh PostgreSQL database on the tests' server (dropped on
 * close), or an embedded H2 one in a fresh data directory (deleted on close), the two backends
 * Tollgate stores its data in. The caller brings the driver (proxy-admin has both).
 */
public final class TestDatabase implements AutoCloseable {
    /** Kind name of a PostgreSQL database, as parameterised tests spell it. */
    public static final String POSTGRES = "postgres";
    /** Kind name of an embedded H2 database. */
    public static final String H2 = "h2";

    private final PostgresAddress server;
    private final String name;
    private final Path dataDir;

    private TestDatabase(PostgresAddress server, String name, Path dataDir) {
        this.server = server;
        this.name = name;
        this.dataDir = dataDir;
    }

    /** {@code kind} is {@value #POSTGRES} or {@value #H2}. */
    public static TestDatabase create(String kind) throws Exception {
        return switch (kind) {
            case POSTGRES -> postgres("tg_test_");
            case H2 -> h2();
            default -> throw new IllegalArgumentException("database kind " + kind + ": expected postgres or h2");
        };
    }

    /**
     * A new database on the tests' PostgreSQL (see {@link TestServices#postgres()}: the test is
     * skipped when there is none).
     */
    public static TestDatabase postgres(String namePrefix) throws SQLException {
        return TestServices.postgres().createDatabase(namePrefix);
    }

    /** An embedded H2 database in a new temp directory, where Tollgate's embedded mode keeps it. */
    public static TestDatabase h2() throws IOException {
        return new TestDatabase(null, "tollgate", Files.createTempDirectory("tollgate-h2-"));
    }

    static TestDatabase onPostgres(PostgresAddress server, String name) {
        return new TestDatabase(server, name, null);
    }

    public String kind() {
        return embedded() ? H2 : POSTGRES;
    }

    /** Whether this is the embedded H2 database (Tollgate's mode without {@code database_url}). */
    public boolean embedded() {
        return server == null;
    }

    /** The PostgreSQL database's name; {@code tollgate} (the file's) for H2. */
    public String name() {
        return name;
    }

    /**
     * A JDBC URL with the credentials in it. For H2: the file and settings Tollgate's embedded mode
     * opens under {@link #dataDir()}, so a test in the same JVM shares the server's open database.
     */
    public String jdbcUrl() {
        if (embedded()) {
            return "jdbc:h2:file:" + dataDir.toAbsolutePath().resolve("tollgate")
                    + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;DB_CLOSE_ON_EXIT=FALSE";
        }
        return server.jdbcUrl(name);
    }

    /**
     * The value for a Tollgate config's {@code database_url}: {@code postgresql://...}; null for H2,
     * whose server runs without {@code database_url}, with {@link #dataDir()} as its data directory.
     */
    public String databaseUrl() {
        return embedded() ? null : server.databaseUrl(name);
    }

    /** The H2 database's data directory; null for PostgreSQL. */
    public Path dataDir() {
        return dataDir;
    }

    public Connection connect() throws SQLException {
        return embedded() ? DriverManager.getConnection(jdbcUrl(), "sa", "") : DriverManager.getConnection(jdbcUrl());
    }

    /** Drops the PostgreSQL database (cutting its connections), or deletes H2's directory. */
    @Override
    public void close() throws SQLException {
        if (embedded()) {
            Processes.deleteTree(dataDir);
        } else {
            server.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        }
    }
}
