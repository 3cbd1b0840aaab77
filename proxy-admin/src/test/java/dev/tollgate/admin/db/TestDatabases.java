package dev.tollgate.admin.db;

import dev.tollgate.testing.services.TestDatabase;

/**
 * Fresh databases for tests: a throw-away PostgreSQL database on the tests' server or a throw-away
 * embedded H2 one ({@link TestDatabase}), opened as Tollgate opens its own.
 */
public final class TestDatabases {
    private TestDatabases() {}

    /** A migrated database; {@code kind} is "postgres" or "h2". Close it with {@link Handle#close()}. */
    public static Handle create(String kind) throws Exception {
        Handle h = createEmpty(kind);
        try {
            Migrations.run(h.db().dataSource());
            return h;
        } catch (Exception | Error e) {
            h.close();
            throw e;
        }
    }

    /** An empty database, not migrated; {@code kind} is "postgres" or "h2". */
    public static Handle createEmpty(String kind) throws Exception {
        TestDatabase database = TestDatabase.create(kind);
        try {
            Database db = database.embedded()
                    ? Database.open(null, database.dataDir(), 4)
                    : Database.open(database.jdbcUrl(), null, 4);
            return new Handle(db, database);
        } catch (Exception | Error e) {
            database.close();
            throw e;
        }
    }

    /** A test database and how to drop it. */
    public record Handle(Database db, TestDatabase database) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            db.close();
            database.close();
        }
    }
}
