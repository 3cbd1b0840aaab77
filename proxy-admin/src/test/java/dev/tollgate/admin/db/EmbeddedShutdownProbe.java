package dev.tollgate.admin.db;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Run as its own JVM by {@link EmbeddedDatabaseShutdownTest}: opens the embedded database, keeps
 * its pool busy (as a running proxy's flusher and catalogue do), and writes a row from a JVM
 * shutdown hook that starts its work late (as a graceful stop does after draining calls), then
 * exits. The row is there afterwards only if nothing else closed the database during the JVM's
 * shutdown: a pooled connection used moments ago is handed out without a check, so a database
 * closed under the pool fails the write.
 */
public final class EmbeddedShutdownProbe {
    private EmbeddedShutdownProbe() {}

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        long hookDelayMs = Long.parseLong(args[1]);
        Database db = Database.open(null, dir, 2);
        // The first open creates the file: on a loaded machine it can outlast the pool's connection timeout.
        for (int attempt = 1; ; attempt++) {
            try (Connection c = db.dataSource().getConnection();
                    Statement s = c.createStatement()) {
                s.execute("CREATE TABLE IF NOT EXISTS probe (v INTEGER)");
                break;
            } catch (SQLException e) {
                if (attempt == 10) {
                    throw e;
                }
            }
        }
        Thread busy = new Thread(() -> {
            while (true) {
                try (Connection c = db.dataSource().getConnection();
                        Statement s = c.createStatement()) {
                    s.execute("SELECT COUNT(*) FROM probe");
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                } catch (Exception e) {
                    // closed under the pool: keep going, as a flusher retries
                }
            }
        });
        busy.setDaemon(true);
        busy.start();
        Thread.sleep(200);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                Thread.sleep(hookDelayMs);
                try (Connection c = db.dataSource().getConnection();
                        Statement s = c.createStatement()) {
                    s.execute("INSERT INTO probe (v) VALUES (42)");
                }
                System.out.println("written in shutdown hook");
            } catch (Exception e) {
                System.out.println("shutdown hook write failed: " + e);
            } finally {
                db.close();
            }
        }));
        System.exit(0);
    }
}
