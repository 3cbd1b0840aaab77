package dev.tollgate.admin.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MigrationsTest {

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void migratesOnceAndIsIdempotent(String kind) throws Exception {
        try (TestDatabases.Handle h = TestDatabases.create(kind)) {
            Migrations.run(h.db().dataSource());
            try (Connection c = h.db().dataSource().getConnection();
                    Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM tg_schema_version")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(Migrations.FILES.size());
            }
            try (Connection c = h.db().dataSource().getConnection();
                    Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM tg_customer")) {
                rs.next();
                assertThat(rs.getInt(1)).isZero();
            }
        }
    }
}
