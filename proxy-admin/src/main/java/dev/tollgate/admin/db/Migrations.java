package dev.tollgate.admin.db;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Schema migrations with Flyway: the versioned scripts {@code db/migration/V<n>__<name>.sql} on the
 * classpath are applied in order and recorded with their checksums in {@code tg_flyway_schema_history};
 * every start validates the applied scripts against that record, so an edited script stops the
 * start instead of leaving instances on different schemas. Flyway locks the history while it
 * migrates (a PostgreSQL advisory lock), so instances of a fleet may start at the same moment.
 *
 * <p>PostgreSQL also gets the scripts of {@code db/postgresql/}: indexes whose syntax H2 lacks
 * (pattern operators for prefix search). They carry their own version numbers, so a version may
 * exist on PostgreSQL only.
 *
 * <p>A database created by Tollgate's earlier migration runner (table {@code tg_schema_version},
 * no Flyway history) is baselined at the version that runner reached: Flyway records it as the
 * starting point and applies only the later scripts.
 */
public final class Migrations {
    private static final Logger LOG = LoggerFactory.getLogger(Migrations.class);
    static final String HISTORY_TABLE = "tg_flyway_schema_history";
    /** Where the runner before Flyway recorded its versions. */
    static final String LEGACY_TABLE = "tg_schema_version";

    private Migrations() {}

    /** Migrates {@code ds} to the latest schema; fails with the reason when a migration or the validation fails. */
    public static void run(DataSource ds) throws SQLException {
        Integer legacyVersion = legacyVersion(ds);
        String[] locations = isPostgres(ds)
                ? new String[] {"classpath:db/migration", "classpath:db/postgresql"}
                : new String[] {"classpath:db/migration"};
        var config = Flyway.configure()
                .dataSource(ds)
                .locations(locations)
                .table(HISTORY_TABLE)
                .validateMigrationNaming(true)
                .failOnMissingLocations(true);
        if (legacyVersion != null) {
            config.baselineOnMigrate(true)
                    .baselineVersion(Integer.toString(legacyVersion))
                    .baselineDescription("schema of the runner before Flyway (" + LEGACY_TABLE + ")");
        }
        try {
            MigrateResult result = config.load().migrate();
            if (legacyVersion != null) {
                LOG.info("Schema created before Flyway: baselined at version {}", legacyVersion);
            }
            if (result.migrationsExecuted > 0) {
                LOG.info(
                        "Applied {} schema migration(s); schema version {}",
                        result.migrationsExecuted,
                        result.targetSchemaVersion);
            }
        } catch (FlywayException e) {
            throw new SQLException("Schema migration failed: " + e.getMessage(), e);
        }
    }

    /**
     * The version the earlier runner reached, when this database has its table and no Flyway history
     * yet; null otherwise (a new database, or one Flyway already manages).
     */
    private static Integer legacyVersion(DataSource ds) throws SQLException {
        try (Connection c = ds.getConnection()) {
            if (!tableExists(c, LEGACY_TABLE) || tableExists(c, HISTORY_TABLE)) {
                return null;
            }
            try (Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT COALESCE(MAX(version), 0) FROM " + LEGACY_TABLE)) {
                rs.next();
                int version = rs.getInt(1);
                return version > 0 ? version : null;
            }
        }
    }

    private static boolean isPostgres(DataSource ds) throws SQLException {
        try (Connection c = ds.getConnection()) {
            return c.getMetaData()
                    .getDatabaseProductName()
                    .toLowerCase(Locale.ROOT)
                    .contains("postgres");
        }
    }

    private static boolean tableExists(Connection c, String table) throws SQLException {
        DatabaseMetaData meta = c.getMetaData();
        for (String name : new String[] {table, table.toUpperCase(Locale.ROOT)}) {
            try (ResultSet rs = meta.getTables(c.getCatalog(), null, name, new String[] {"TABLE"})) {
                if (rs.next()) {
                    return true;
                }
            }
        }
        return false;
    }
}
