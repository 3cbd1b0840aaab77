package dev.tollgate.server.observe;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.HexFormat;
import java.util.UUID;
import java.util.function.BooleanSupplier;

/** Test helpers of the observability tests: a webhook receiver, throw-away PostgreSQL databases, waiting. */
final class Observe {
    static final String PG_ADMIN = "jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres";

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

    /** A fresh PostgreSQL database, dropped on close. */
    record Pg(String name) implements AutoCloseable {
        static Pg create() throws Exception {
            String name =
                    "tg_obs_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
            try (Connection c = DriverManager.getConnection(PG_ADMIN);
                    Statement s = c.createStatement()) {
                s.execute("CREATE DATABASE " + name);
            }
            return new Pg(name);
        }

        String url() {
            return "jdbc:postgresql://127.0.0.1:5432/" + name + "?user=postgres";
        }

        long count(String sql) throws Exception {
            try (Connection c = DriverManager.getConnection(url());
                    Statement s = c.createStatement();
                    var rs = s.executeQuery(sql)) {
                rs.next();
                return rs.getLong(1);
            }
        }

        @Override
        public void close() throws Exception {
            try (Connection c = DriverManager.getConnection(PG_ADMIN);
                    Statement s = c.createStatement()) {
                s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
            }
        }
    }
}
