package dev.tollgate.admin.db;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Versioned schema migrations from {@code db/migration/V<n>__<name>.sql} on the classpath, applied
 * in order, each in its own transaction, recorded in {@code tg_schema_version}. On PostgreSQL an
 * advisory lock serialises instances of a fleet that start at the same moment.
 */
public final class Migrations {
    private static final Logger LOG = LoggerFactory.getLogger(Migrations.class);
    /** Known migrations, in order. Add new files here. */
    static final List<String> FILES = List.of("V1__customers_and_budgets.sql", "V2__webhook_outbox.sql");

    private static final long ADVISORY_LOCK_KEY = 0x7011_6a7eL;

    private Migrations() {}

    public static void run(DataSource ds) throws SQLException {
        try (Connection c = ds.getConnection()) {
            boolean postgres =
                    c.getMetaData().getDatabaseProductName().toLowerCase().contains("postgres");
            if (postgres) {
                try (Statement s = c.createStatement()) {
                    s.execute("SELECT pg_advisory_lock(" + ADVISORY_LOCK_KEY + ")");
                }
            }
            try {
                apply(c);
            } finally {
                if (postgres) {
                    try (Statement s = c.createStatement()) {
                        s.execute("SELECT pg_advisory_unlock(" + ADVISORY_LOCK_KEY + ")");
                    }
                }
            }
        }
    }

    private static void apply(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(
                    "CREATE TABLE IF NOT EXISTS tg_schema_version (version INTEGER PRIMARY KEY, name VARCHAR(256) NOT NULL, applied_at BIGINT NOT NULL)");
        }
        int current = 0;
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT COALESCE(MAX(version), 0) FROM tg_schema_version")) {
            if (rs.next()) {
                current = rs.getInt(1);
            }
        }
        for (String file : FILES) {
            int version = Integer.parseInt(file.substring(1, file.indexOf("__")));
            if (version <= current) {
                continue;
            }
            boolean auto = c.getAutoCommit();
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                for (String sql : statements(read(file))) {
                    s.execute(sql);
                }
                try (PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO tg_schema_version (version, name, applied_at) VALUES (?, ?, ?)")) {
                    ps.setInt(1, version);
                    ps.setString(2, file);
                    ps.setLong(3, System.currentTimeMillis());
                    ps.executeUpdate();
                }
                c.commit();
                LOG.info("Applied schema migration {}", file);
            } catch (SQLException e) {
                c.rollback();
                throw new SQLException("Schema migration " + file + " failed: " + e.getMessage(), e);
            } finally {
                c.setAutoCommit(auto);
            }
        }
    }

    private static String read(String file) {
        try (InputStream in = Migrations.class.getResourceAsStream("/db/migration/" + file)) {
            if (in == null) {
                throw new IllegalStateException("Missing migration resource " + file);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read migration " + file, e);
        }
    }

    /** Splits a script on ';' at line ends, dropping '--' comment lines. */
    static List<String> statements(String script) {
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : script.split("\n")) {
            String trimmed = line.strip();
            if (trimmed.startsWith("--") || trimmed.isEmpty()) {
                continue;
            }
            current.append(line).append('\n');
            if (trimmed.endsWith(";")) {
                String sql = current.toString().strip();
                out.add(sql.substring(0, sql.length() - 1));
                current.setLength(0);
            }
        }
        if (!current.toString().isBlank()) {
            out.add(current.toString().strip());
        }
        return out;
    }
}
