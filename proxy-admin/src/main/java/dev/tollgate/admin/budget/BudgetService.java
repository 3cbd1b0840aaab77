package dev.tollgate.admin.budget;

import dev.tollgate.admin.db.Transactions;
import dev.tollgate.core.budget.BudgetDuration;
import dev.tollgate.core.error.ErrorKind;
import dev.tollgate.core.error.TollgateException;
import dev.tollgate.core.limits.InvalidationBus;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * The rules of the {@code /budget/*} routes: creation with a calendar-aligned reset, partial
 * updates, and deletion guarded against linked customers and the configured default budget.
 * Every successful write tells all instances to drop their cached policies
 * ({@link InvalidationBus#ALL}), because a budget may back any number of customers.
 */
public final class BudgetService {
    private final DataSource ds;
    private final BudgetRepository budgets;
    private final ResetSchedule schedule;
    private final InvalidationBus bus;
    private final String defaultBudgetId;

    public BudgetService(
            DataSource ds,
            BudgetRepository budgets,
            ResetSchedule schedule,
            InvalidationBus bus,
            String defaultBudgetId) {
        this.ds = ds;
        this.budgets = budgets;
        this.schedule = schedule;
        this.bus = bus;
        this.defaultBudgetId = defaultBudgetId;
    }

    public BudgetRow create(BudgetInput in, String actor) {
        String id = in.budgetId() != null ? in.budgetId() : UUID.randomUUID().toString();
        BudgetRow row = newRow(in, id, actor);
        BudgetRow created = Transactions.inTransaction(ds, c -> {
            if (budgets.find(c, id).isPresent()) {
                throw alreadyExists(id);
            }
            try {
                budgets.insert(c, row);
            } catch (SQLException e) {
                if (Transactions.isUniqueViolation(e)) {
                    throw alreadyExists(id); // lost a race with a concurrent create of the same id
                }
                throw e;
            }
            return row;
        });
        bus.publish(InvalidationBus.ALL);
        return created;
    }

    /**
     * A new budget row from request fields. When a duration is given without an explicit
     * {@code budget_reset_at}, the reset is the next calendar boundary (midnight, Monday, 1st...).
     */
    public BudgetRow newRow(BudgetInput in, String id, String actor) {
        String duration = null;
        Long resetAt = in.budgetResetAt();
        if (in.budgetDuration() != null) {
            BudgetDuration d = schedule.duration(in.budgetDuration());
            duration = d.text();
            if (resetAt == null) {
                resetAt = schedule.nextResetMs(d);
            }
        }
        long now = schedule.nowMs();
        return new BudgetRow(
                id,
                in.maxBudgetNanos(),
                in.softBudgetNanos(),
                in.maxParallelRequests(),
                in.tpmLimit(),
                in.rpmLimit(),
                in.modelMaxBudget(),
                duration,
                resetAt,
                now,
                actor,
                now,
                actor);
    }

    /** Applies only the fields present in the request; an explicit null clears a field. */
    public BudgetRow update(BudgetInput in, String actor) {
        if (in.budgetId() == null) {
            throw new TollgateException(ErrorKind.INVALID_REQUEST, "budget_id is required", "budget_id");
        }
        // Validate before opening a transaction: a bad duration must not cost a row lock.
        BudgetDuration newDuration = in.has("budget_duration") && in.budgetDuration() != null
                ? schedule.duration(in.budgetDuration())
                : null;
        BudgetRow updated = Transactions.inTransaction(ds, c -> {
            BudgetRow old =
                    budgets.findForUpdate(c, in.budgetId()).orElseThrow(() -> notFound(in.budgetId(), "budget_id"));
            BudgetRow row = merge(old, in, newDuration, actor);
            budgets.update(c, row);
            return row;
        });
        bus.publish(InvalidationBus.ALL);
        return updated;
    }

    private BudgetRow merge(BudgetRow old, BudgetInput in, BudgetDuration newDuration, String actor) {
        String duration =
                in.has("budget_duration") ? (newDuration == null ? null : newDuration.text()) : old.budgetDuration();
        Long resetAt = old.budgetResetAt();
        if (in.has("budget_reset_at")) {
            resetAt = in.budgetResetAt();
        } else if (in.has("budget_duration") && !Objects.equals(duration, old.budgetDuration())) {
            // A new period length starts a new calendar-aligned period; no duration means no reset.
            resetAt = newDuration == null ? null : schedule.nextResetMs(newDuration);
        }
        return new BudgetRow(
                old.budgetId(),
                in.has("max_budget") ? in.maxBudgetNanos() : old.maxBudgetNanos(),
                in.has("soft_budget") ? in.softBudgetNanos() : old.softBudgetNanos(),
                in.has("max_parallel_requests") ? in.maxParallelRequests() : old.maxParallelRequests(),
                in.has("tpm_limit") ? in.tpmLimit() : old.tpmLimit(),
                in.has("rpm_limit") ? in.rpmLimit() : old.rpmLimit(),
                in.has("model_max_budget") ? in.modelMaxBudget() : old.modelMaxBudget(),
                duration,
                resetAt,
                old.createdAt(),
                old.createdBy(),
                schedule.nowMs(),
                actor);
    }

    /** The budgets among {@code ids} that exist; unknown ids are simply absent (as upstream). */
    public List<BudgetRow> info(List<String> ids) {
        return Transactions.inTransaction(ds, c -> budgets.findAll(c, ids));
    }

    public List<BudgetListing> list() {
        return Transactions.inTransaction(ds, budgets::listWithCustomerCounts);
    }

    public Optional<BudgetRow> find(String budgetId) {
        return Transactions.inTransaction(ds, c -> budgets.find(c, budgetId));
    }

    /**
     * Deletes an unused budget. Refused (409) while customers are linked, instead of upstream's
     * foreign-key 500, and for the configured default budget, which the proxy still resolves for
     * every customer without a budget of its own.
     */
    public BudgetRow delete(String budgetId) {
        if (budgetId.equals(defaultBudgetId)) {
            throw new TollgateException(
                    ErrorKind.CONFLICT,
                    "Budget '" + budgetId
                            + "' is the default end-user budget (litellm_settings.max_end_user_budget_id); remove it from config before deleting it.",
                    "id");
        }
        BudgetRow deleted = Transactions.inTransaction(ds, c -> {
            BudgetRow row = budgets.findForUpdate(c, budgetId).orElseThrow(() -> notFound(budgetId, "id"));
            long users = budgets.customerCount(c, budgetId);
            if (users > 0) {
                throw inUse(budgetId, users);
            }
            try {
                budgets.delete(c, budgetId);
            } catch (SQLException e) {
                if (Transactions.isForeignKeyViolation(e)) {
                    throw inUse(budgetId, 1); // a customer was linked concurrently
                }
                throw e;
            }
            return row;
        });
        bus.publish(InvalidationBus.ALL);
        return deleted;
    }

    /** Fails with 404 (param {@code param}) unless the budget exists; for use inside a transaction. */
    public BudgetRow require(Connection c, String budgetId, String param) throws SQLException {
        return budgets.find(c, budgetId).orElseThrow(() -> notFound(budgetId, param));
    }

    public static TollgateException notFound(String budgetId, String param) {
        return new TollgateException(ErrorKind.NOT_FOUND, "Budget with id '" + budgetId + "' does not exist.", param);
    }

    private static TollgateException alreadyExists(String budgetId) {
        return new TollgateException(
                ErrorKind.BAD_REQUEST, "Budget with id '" + budgetId + "' already exists.", "budget_id");
    }

    private static TollgateException inUse(String budgetId, long customers) {
        return new TollgateException(
                ErrorKind.CONFLICT,
                "Budget '" + budgetId + "' is used by " + customers
                        + " customer(s); move them to another budget before deleting it.",
                "id");
    }
}
