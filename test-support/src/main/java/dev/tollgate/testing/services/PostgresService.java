package dev.tollgate.testing.services;

import java.sql.SQLException;
import java.util.UUID;

/**
 * The PostgreSQL the tests use: a role that may create databases. Tests share the server, never a
 * database: each creates its own with {@link #createDatabase} and drops it when done.
 */
public final class PostgresService {
    private final PostgresAddress admin;
    private final Origin origin;

    PostgresService(PostgresAddress admin, Origin origin) {
        this.admin = admin;
        this.origin = origin;
    }

    public Origin origin() {
        return origin;
    }

    /** The role's own database ({@code postgres} unless the URL named another), as a {@code postgresql://} URL. */
    public String adminUrl() {
        return admin.databaseUrl(admin.database());
    }

    /** A new empty database named {@code <namePrefix><12 random hex digits>}; close it to drop it. */
    public TestDatabase createDatabase(String namePrefix) throws SQLException {
        String name = namePrefix + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        admin.execute("CREATE DATABASE " + name);
        return TestDatabase.onPostgres(admin, name);
    }
}
