package dev.tollgate.admin.db;

import dev.tollgate.core.error.ErrorKind;
import dev.tollgate.core.error.TollgateException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs admin-API database work in one transaction and turns JDBC failures into API errors. Shared
 * by the budget and customer services; it lives here because the customer package already depends
 * on the budget package, so no new package dependency is created.
 */
public final class Transactions {
    private static final Logger LOG = LoggerFactory.getLogger(Transactions.class);
    /** SQLSTATE of a unique/primary-key violation, identical on PostgreSQL and H2. */
    private static final String UNIQUE_VIOLATION = "23505";
    /** SQLSTATE of a foreign-key violation, identical on PostgreSQL and H2. */
    private static final String FOREIGN_KEY_VIOLATION = "23503";

    private Transactions() {}

    /** Database work that may throw {@link SQLException}; runs with auto-commit off. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    /**
     * Runs {@code work} in a transaction: committed when it returns, rolled back when it throws
     * (a {@link TollgateException} from the work propagates unchanged after the rollback).
     */
    public static <T> T inTransaction(DataSource ds, Work<T> work) {
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(c, e);
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw translate(e);
        }
    }

    public static boolean isUniqueViolation(SQLException e) {
        return UNIQUE_VIOLATION.equals(e.getSQLState());
    }

    public static boolean isForeignKeyViolation(SQLException e) {
        return FOREIGN_KEY_VIOLATION.equals(e.getSQLState());
    }

    private static void rollbackQuietly(Connection c, Exception cause) {
        try {
            c.rollback();
        } catch (SQLException r) {
            cause.addSuppressed(r);
        }
    }

    /** A database failure the work did not handle itself: 503 when unreachable, else 500. */
    static TollgateException translate(SQLException e) {
        String state = e.getSQLState();
        if (e instanceof SQLTransientConnectionException || (state != null && state.startsWith("08"))) {
            LOG.warn("Admin API: database unavailable: {}", e.getMessage());
            return new TollgateException(ErrorKind.SERVICE_UNAVAILABLE, "DB not connected: " + e.getMessage());
        }
        // The driver's text can leak schema details; the operator gets it in the log instead.
        LOG.error("Admin API: database error (SQLSTATE {})", state, e);
        return new TollgateException(ErrorKind.INTERNAL, "Database error (SQLSTATE " + state + "); see the proxy log.");
    }
}
