package dev.tollgate.testing.services;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TestDatabaseTest {
    @ParameterizedTest
    @ValueSource(strings = {"postgres", "h2"})
    void aFreshDatabaseIsUsableAndGoneAfterClose(String kind) throws Exception {
        String name;
        Path dir;
        try (TestDatabase db = TestDatabase.create(kind)) {
            assertThat(db.kind()).isEqualTo(kind);
            name = db.name();
            dir = db.dataDir();
            try (Connection c = db.connect();
                    Statement s = c.createStatement()) {
                s.execute("CREATE TABLE t (n BIGINT)");
                s.execute("INSERT INTO t VALUES (42)");
                try (ResultSet rs = s.executeQuery("SELECT n FROM t")) {
                    rs.next();
                    assertThat(rs.getLong(1)).isEqualTo(42);
                }
            }
            if (db.embedded()) {
                assertThat(db.databaseUrl())
                        .as("embedded mode has no database_url")
                        .isNull();
                assertThat(db.jdbcUrl())
                        .startsWith("jdbc:h2:file:" + dir.toAbsolutePath().resolve("tollgate"));
            } else {
                assertThat(name).startsWith("tg_test_");
                assertThat(db.databaseUrl()).startsWith("postgresql://").endsWith("/" + name);
                assertThat(db.jdbcUrl()).startsWith("jdbc:postgresql://").contains("/" + name + "?user=");
            }
        }
        if (kind.equals("h2")) {
            assertThat(dir).doesNotExist();
        } else {
            assertThat(ServiceResolverTest.databaseExists(name)).isFalse();
        }
    }

    @Test
    void anUnknownKindIsRejected() {
        assertThatThrownBy(() -> TestDatabase.create("mysql"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected postgres or h2");
    }
}
