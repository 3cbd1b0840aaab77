package dev.tollgate.admin.db;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.UUID;

/**
 * Fresh, isolated databases for tests: a throw-away PostgreSQL database on the local server
 * (created and dropped per test class) or a throw-away embedded H2 file.
 */
public final class TestDatabases {
    public static final String PG_ADMIN_URL =
            System.getProperty("tollgate.test.pg", "jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres");

    private TestDatabases() {}

    /** A migrated database; {@code kind} is "postgres" or "h2". Close it with {@link Handle#close()}. */
    public static Handle create(String kind) throws Exception {
        Handle h = createEmpty(kind);
        Migrations.run(h.db().dataSource());
        return h;
    }

    /** An empty database, not migrated; {@code kind} is "postgres" or "h2". */
    public static Handle createEmpty(String kind) throws Exception {
        if (kind.equals("h2")) {
            Path dir = Files.createTempDirectory("tollgate-h2-");
            return new Handle(Database.open(null, dir, 4), null);
        }
        String name = "tg_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Connection c = DriverManager.getConnection(PG_ADMIN_URL);
                Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        }
        return new Handle(Database.open("jdbc:postgresql://127.0.0.1:5432/" + name + "?user=postgres", null, 8), name);
    }

    /** A test database and how to drop it. */
    public record Handle(Database db, String pgName) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            db.close();
            if (pgName != null) {
                try (Connection c = DriverManager.getConnection(PG_ADMIN_URL);
                        Statement s = c.createStatement()) {
                    s.execute("DROP DATABASE IF EXISTS " + pgName + " WITH (FORCE)");
                }
            }
        }
    }
}
