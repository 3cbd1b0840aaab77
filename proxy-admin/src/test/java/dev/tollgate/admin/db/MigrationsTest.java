package dev.tollgate.admin.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.sql.DataSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Flyway migrations on H2 and PostgreSQL: applied once, validated, baselined over the earlier runner. */
class MigrationsTest {
    private static final List<String> SCRIPTS = List.of(
            "V1__customers_and_budgets.sql", "V2__webhook_outbox.sql", "V3__scale.sql", "V5__customer_model_spend.sql");
    /** PostgreSQL-only scripts (db/postgresql). */
    private static final List<String> POSTGRES_SCRIPTS = List.of("V4__customer_prefix_indexes.sql");

    private static int scriptCount(String kind) {
        return SCRIPTS.size() + (kind.equals("postgres") ? POSTGRES_SCRIPTS.size() : 0);
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void migratesOnceAndIsIdempotent(String kind) throws Exception {
        try (TestDatabases.Handle h = TestDatabases.create(kind)) {
            DataSource ds = h.db().dataSource();
            Migrations.run(ds);
            assertThat(longOf(ds, "SELECT COUNT(*) FROM tg_flyway_schema_history WHERE success AND type = 'SQL'"))
                    .isEqualTo(scriptCount(kind));
            assertThat(longOf(ds, "SELECT COUNT(*) FROM tg_customer")).isZero();
            if (kind.equals("postgres")) {
                assertThat(longOf(ds, "SELECT COUNT(*) FROM pg_indexes WHERE indexname = 'tg_customer_user_id_prefix'"))
                        .as("PostgreSQL-only prefix index")
                        .isEqualTo(1);
            }
            assertThat(longOf(ds, "SELECT COUNT(*) FROM tg_webhook_outbox")).isZero();
            assertThat(longOf(ds, "SELECT COUNT(*) FROM tg_customer_model_spend"))
                    .isZero();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void anEditedScriptIsCaughtByItsChecksum(String kind) throws Exception {
        try (TestDatabases.Handle h = TestDatabases.create(kind)) {
            DataSource ds = h.db().dataSource();
            execute(ds, "UPDATE tg_flyway_schema_history SET checksum = 12345 WHERE version = '1'");
            assertThatThrownBy(() -> Migrations.run(ds))
                    .isInstanceOf(SQLException.class)
                    .hasMessageStartingWith("Schema migration failed: Validate failed")
                    .hasMessageContaining("checksum mismatch");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void aDatabaseOfTheEarlierRunnerIsBaselinedAndKeepsItsData(String kind) throws Exception {
        try (TestDatabases.Handle h = TestDatabases.createEmpty(kind)) {
            DataSource ds = h.db().dataSource();
            legacyRunner(ds, 2);
            execute(ds, "INSERT INTO tg_customer (user_id, created_at, updated_at) VALUES ('kept', 1, 1)");

            Migrations.run(ds);
            Migrations.run(ds);

            assertThat(longOf(ds, "SELECT COUNT(*) FROM tg_customer WHERE user_id = 'kept'"))
                    .isEqualTo(1);
            assertThat(stringOf(ds, "SELECT type FROM tg_flyway_schema_history WHERE version = '2'"))
                    .isEqualTo("BASELINE");
            // Nothing re-run over the existing schema: only the scripts after the baseline ran.
            assertThat(longOf(ds, "SELECT COUNT(*) FROM tg_flyway_schema_history WHERE type = 'SQL'"))
                    .isEqualTo(scriptCount(kind) - 2);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void aDatabaseTheEarlierRunnerLeftAtVersionOneGetsTheLaterScripts(String kind) throws Exception {
        try (TestDatabases.Handle h = TestDatabases.createEmpty(kind)) {
            DataSource ds = h.db().dataSource();
            legacyRunner(ds, 1);

            Migrations.run(ds);

            assertThat(longOf(ds, "SELECT COUNT(*) FROM tg_webhook_outbox")).isZero();
            assertThat(stringOf(ds, "SELECT type FROM tg_flyway_schema_history WHERE version = '2'"))
                    .isEqualTo("SQL");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"postgres"})
    void instancesStartingTogetherMigrateOnce(String kind) throws Exception {
        try (TestDatabases.Handle h = TestDatabases.createEmpty(kind)) {
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<Object>> starts = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    // Each instance of a fleet has its own connection pool, as here.
                    Callable<Object> start = () -> {
                        try (Database instance = Database.open(h.database().jdbcUrl(), null, 4)) {
                            Migrations.run(instance.dataSource());
                        }
                        return null;
                    };
                    starts.add(pool.submit(start));
                }
                for (Future<Object> f : starts) {
                    f.get();
                }
            } finally {
                pool.shutdownNow();
            }
            assertThat(longOf(h.db().dataSource(), "SELECT COUNT(*) FROM tg_flyway_schema_history"))
                    .isEqualTo(scriptCount(kind));
        }
    }

    /** What the runner before Flyway left: its scripts applied up to {@code version}, recorded in tg_schema_version. */
    private static void legacyRunner(DataSource ds, int version) throws Exception {
        execute(
                ds,
                "CREATE TABLE tg_schema_version (version INTEGER PRIMARY KEY, name VARCHAR(256) NOT NULL,"
                        + " applied_at BIGINT NOT NULL)");
        for (int v = 1; v <= version; v++) {
            String script;
            try (InputStream in = MigrationsTest.class.getResourceAsStream("/db/migration/" + SCRIPTS.get(v - 1))) {
                script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            for (String sql : script.replaceAll("(?m)^\\s*--.*$", "").split(";")) {
                if (!sql.isBlank()) {
                    execute(ds, sql);
                }
            }
            execute(ds, "INSERT INTO tg_schema_version VALUES (" + v + ", '" + SCRIPTS.get(v - 1) + "', 1)");
        }
    }

    private static void execute(DataSource ds, String sql) throws SQLException {
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static long longOf(DataSource ds, String sql) throws SQLException {
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static String stringOf(DataSource ds, String sql) throws SQLException {
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }
}
