package dev.tollgate.admin.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded database stays open through the JVM's shutdown until Tollgate closes it: a
 * graceful stop's final spend flush runs in a shutdown hook, after the drain, and must still find
 * the database open (H2 closes it from its own hook unless told not to).
 */
class EmbeddedDatabaseShutdownTest {
    @TempDir
    Path dir;

    @Test
    void aWriteFromALateShutdownHookReachesTheFile() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(
                        java,
                        "-cp",
                        System.getProperty("java.class.path"),
                        EmbeddedShutdownProbe.class.getName(),
                        dir.toString(),
                        "1000")
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(out).contains("written in shutdown hook").doesNotContain("already closed");
        assertThat(Files.exists(dir.resolve(Database.EMBEDDED_FILE + ".mv.db"))).isTrue();

        try (Database db = Database.open(null, dir, 1);
                Connection c = db.dataSource().getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM probe WHERE v = 42")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getInt(1)).isEqualTo(1);
        }
    }

    @Test
    void describesTheDatabaseWithoutItsPassword() {
        assertThat(Database.describeJdbcUrl("jdbc:postgresql://db.internal:5433/tollgate?user=tg&password=secret"))
                .isEqualTo("PostgreSQL db.internal:5433/tollgate");
        try (Database db = Database.open("postgresql://tg:secret@db.internal/tollgate", dir, 1)) {
            assertThat(db.description())
                    .isEqualTo("PostgreSQL db.internal:5432/tollgate")
                    .doesNotContain("secret");
            assertThat(db.embedded()).isFalse();
        }
        try (Database db = Database.open(null, dir, 1)) {
            assertThat(db.description()).isEqualTo("embedded H2 " + dir.toAbsolutePath() + "/tollgate.mv.db");
        }
    }
}
