package dev.tollgate.server.observe;

import dev.tollgate.testing.services.TestDatabase;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.HexFormat;
import java.util.function.BooleanSupplier;

/** Test helpers of the observability tests: throw-away PostgreSQL databases, waiting, hashing. */
final class Observe {
    private Observe() {}

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(10);
        }
    }

    static String sha256(String s) throws Exception {
        return HexFormat.of()
                .formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    }

    /** A fresh database on the tests' PostgreSQL, dropped on close (skips the test when there is none). */
    record Pg(TestDatabase database) implements AutoCloseable {
        static Pg create() throws Exception {
            return new Pg(TestDatabase.postgres("tg_obs_"));
        }

        /** JDBC URL with its credentials: for DriverManager and for {@code database_url} alike. */
        String url() {
            return database.jdbcUrl();
        }

        long count(String sql) throws Exception {
            try (Connection c = database.connect();
                    Statement s = c.createStatement();
                    var rs = s.executeQuery(sql)) {
                rs.next();
                return rs.getLong(1);
            }
        }

        @Override
        public void close() throws Exception {
            database.close();
        }
    }
}
