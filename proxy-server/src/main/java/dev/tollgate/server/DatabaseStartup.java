package dev.tollgate.server;

import dev.tollgate.admin.budget.BudgetRepository;
import dev.tollgate.admin.db.Database;
import dev.tollgate.admin.db.Migrations;
import dev.tollgate.core.threads.DaemonThreads;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings the database to this build's schema and checks what the config names in it: the default
 * budget ({@code litellm_settings.max_end_user_budget_id}) must exist, or the start is refused
 * with one line saying how to create it.
 *
 * <p>A PostgreSQL server that cannot be reached (connection refused or timed out) does not stop
 * the start: calls flow as during any database outage (see the README's failure table), and both
 * steps are retried every {@link #RETRY_INTERVAL} until the database answers. A default budget
 * found missing only then cannot refuse the start any more: it is logged as an error, and
 * readiness reports it. Any other database failure (embedded file unusable, wrong password,
 * unknown host or database) refuses the start.
 */
final class DatabaseStartup implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DatabaseStartup.class);
    /** Between two attempts to reach a database that was down at startup. */
    static final Duration RETRY_INTERVAL = Duration.ofSeconds(5);

    /** Where the database stands, for readiness. */
    enum State {
        READY,
        WAITING_FOR_DATABASE,
        DEFAULT_BUDGET_MISSING
    }

    private final Database database;
    private final String defaultBudgetId;
    private volatile State state = State.WAITING_FOR_DATABASE;
    private ScheduledExecutorService retry;

    private DatabaseStartup(Database database, String defaultBudgetId) {
        this.database = database;
        this.defaultBudgetId = defaultBudgetId;
    }

    /**
     * Migrates and checks now; when the database cannot be reached, warns and keeps trying in the
     * background (close the result to stop that).
     *
     * @throws StartupException the default budget does not exist (configuration), or the database
     *                          is unusable for another reason than being unreachable
     */
    static DatabaseStartup run(Database database, String defaultBudgetId) throws StartupException {
        DatabaseStartup startup = new DatabaseStartup(database, defaultBudgetId);
        try {
            Migrations.run(database.dataSource());
            if (!startup.defaultBudgetExists()) {
                throw StartupException.config(startup.missingBudgetMessage(), null);
            }
            startup.state = State.READY;
        } catch (SQLException e) {
            if (database.embedded() || !unreachable(e)) {
                throw StartupException.cannotStart(
                        "cannot use the database (" + database.description() + "): " + Failures.oneLine(e), e);
            }
            LOG.warn(
                    "Database unreachable ({}): {}. Starting anyway: calls flow as during a database outage;"
                            + " schema migrations{} run once it answers (retried every {} s)",
                    database.description(),
                    Failures.oneLine(e),
                    defaultBudgetId == null ? "" : " and the check of default budget '" + defaultBudgetId + "'",
                    RETRY_INTERVAL.toSeconds());
            LOG.debug("Database unreachable at startup", e);
            startup.retryInBackground();
        }
        return startup;
    }

    State state() {
        return state;
    }

    /** The one line that refuses a start whose default budget does not exist. */
    String missingBudgetMessage() {
        return "litellm_settings.max_end_user_budget_id: budget '" + defaultBudgetId + "' does not exist in "
                + database.description() + ". Create it (start without this setting, then"
                + " POST /budget/new {\"budget_id\": \"" + defaultBudgetId
                + "\", \"max_budget\": ...}) and start again";
    }

    private boolean defaultBudgetExists() throws SQLException {
        if (defaultBudgetId == null || defaultBudgetId.isBlank()) {
            return true;
        }
        try (Connection c = database.dataSource().getConnection()) {
            return new BudgetRepository().find(c, defaultBudgetId).isPresent();
        }
    }

    private synchronized void retryInBackground() {
        retry = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("tollgate-database-startup"));
        long ms = RETRY_INTERVAL.toMillis();
        retry.scheduleWithFixedDelay(this::attempt, ms, ms, TimeUnit.MILLISECONDS);
    }

    private void attempt() {
        try {
            Migrations.run(database.dataSource());
            if (defaultBudgetExists()) {
                state = State.READY;
                LOG.info("Database reachable ({}): schema up to date", database.description());
            } else {
                state = State.DEFAULT_BUDGET_MISSING;
                LOG.error(
                        "Database reachable, but {}; until then customers without a budget of their own have no limits",
                        missingBudgetMessage());
            }
            retry.shutdown();
        } catch (SQLException | RuntimeException e) {
            LOG.debug("Database still unusable: {}", Failures.oneLine(e));
        }
    }

    /**
     * Whether the failure is the database being unreachable (refused, timed out, no route), as
     * opposed to reachable but refusing us (password, unknown database) or a name that resolves to
     * nothing.
     */
    static boolean unreachable(Throwable e) {
        if (Failures.causedBy(e, UnknownHostException.class)) {
            return false;
        }
        return Failures.causedBy(e, ConnectException.class)
                || Failures.causedBy(e, SocketTimeoutException.class)
                || Failures.causedBy(e, NoRouteToHostException.class);
    }

    @Override
    public synchronized void close() {
        if (retry != null) {
            retry.shutdownNow();
        }
    }
}
