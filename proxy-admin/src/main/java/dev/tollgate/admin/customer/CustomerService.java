package dev.tollgate.admin.customer;

import dev.tollgate.admin.budget.BudgetInput;
import dev.tollgate.admin.budget.BudgetRepository;
import dev.tollgate.admin.budget.BudgetRow;
import dev.tollgate.admin.budget.BudgetService;
import dev.tollgate.admin.budget.ResetSchedule;
import dev.tollgate.admin.db.Transactions;
import dev.tollgate.core.budget.ModelBudget;
import dev.tollgate.core.budget.ModelBudgets;
import dev.tollgate.core.error.ErrorKind;
import dev.tollgate.core.error.TollgateException;
import dev.tollgate.core.limits.InvalidationBus;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;
import javax.sql.DataSource;

/**
 * The rules of the {@code /customer/*} routes. Each write runs in one transaction and, after the
 * commit, publishes the customer ids on the invalidation bus so every instance drops its cached
 * policy at once (upstream caches for about a minute).
 */
public final class CustomerService {
    private final DataSource ds;
    private final CustomerRepository customers;
    private final BudgetRepository budgets;
    private final BudgetService budgetService;
    private final ResetSchedule schedule;
    private final LiveSpend liveSpend;
    private final InvalidationBus bus;
    private final Set<String> modelNames;
    private final String defaultBudgetId;

    public CustomerService(
            DataSource ds,
            CustomerRepository customers,
            BudgetRepository budgets,
            BudgetService budgetService,
            ResetSchedule schedule,
            LiveSpend liveSpend,
            InvalidationBus bus,
            Set<String> modelNames,
            String defaultBudgetId) {
        this.ds = ds;
        this.customers = customers;
        this.budgets = budgets;
        this.budgetService = budgetService;
        this.schedule = schedule;
        this.liveSpend = liveSpend;
        this.bus = bus;
        this.modelNames = Set.copyOf(modelNames);
        this.defaultBudgetId = defaultBudgetId;
    }

    /** {@code /customer/new}, with LiteLLM's checks in LiteLLM's order. */
    public CustomerView create(NewCustomer in, String actor) {
        if (in.budgetId() != null) {
            String inline = firstInlineField(in.budget());
            if (inline != null) {
                // Upstream rejects only max_budget here and silently ignores budget_id next to other
                // inline fields; both ways of choosing a budget at once are rejected alike.
                throw new TollgateException(
                        ErrorKind.BAD_REQUEST, "Set either '" + inline + "' or 'budget_id', not both.", inline);
            }
        }
        checkDefaultModel(in.defaultModel());
        BudgetRow inlineBudget = in.budget().hasAnyLimit()
                ? budgetService.newRow(in.budget(), UUID.randomUUID().toString(), actor)
                : null;
        long now = schedule.nowMs();
        CustomerView view = Transactions.inTransaction(ds, c -> {
            BudgetRow budget = inlineBudget;
            if (budget != null) {
                budgets.insert(c, budget);
            } else if (in.budgetId() != null) {
                budget = budgetService.require(c, in.budgetId(), "budget_id");
            }
            if (customers.find(c, in.userId()).isPresent()) {
                throw alreadyExists(in.userId());
            }
            CustomerRow row = new CustomerRow(
                    in.userId(),
                    in.alias(),
                    in.spendNanos() == null ? 0 : in.spendNanos(),
                    periodEnd(c, budget),
                    in.allowedModelRegion(),
                    in.defaultModel(),
                    budget == null ? null : budget.budgetId(),
                    in.blocked(),
                    now,
                    now);
            try {
                customers.insert(c, row);
            } catch (SQLException e) {
                if (Transactions.isUniqueViolation(e)) {
                    throw alreadyExists(in.userId()); // lost a race with a concurrent create of the same id
                }
                throw e;
            }
            return new CustomerView(row, budget, row.spendNanos());
        });
        bus.publish(in.userId());
        return view;
    }

    /** {@code /customer/info}: the row with its budget and current (not just persisted) spend. */
    public CustomerView info(String userId) {
        CustomerView stored = Transactions.inTransaction(ds, c -> {
            CustomerRow row = customers.find(c, userId).orElse(null);
            if (row == null) {
                return null;
            }
            BudgetRow budget = row.budgetId() == null
                    ? null
                    : budgets.find(c, row.budgetId()).orElse(null);
            return new CustomerView(row, budget, row.spendNanos());
        });
        if (stored == null) {
            // The first call creates the customer, but its row is written by the next spend
            // flush; until then the limit store already knows it, and info must not say 404.
            long now = schedule.nowMs();
            if (!liveSpend.seen(userId)) {
                throw notFound(userId, "end_user_id");
            }
            CustomerRow fresh = new CustomerRow(userId, null, 0, 0, null, null, null, false, now, now);
            return new CustomerView(fresh, null, liveSpend.current(fresh, now));
        }
        long now = schedule.nowMs();
        ModelBudgets modelBudgets = stored.budget() == null
                ? null
                : ModelBudgets.parseStored(stored.budget().modelMaxBudget());
        Map<String, Long> persistedModelSpend = modelBudgets == null
                ? null
                : Transactions.inTransaction(
                        ds, c -> customers.modelSpend(c, userId, currentPeriods(modelBudgets, now)));
        // Outside the transactions: no connection is held while waiting on the limit store.
        boolean limitsParallel = stored.budget() != null && stored.budget().maxParallelRequests() != null;
        return new CustomerView(
                stored.customer(),
                stored.budget(),
                liveSpend.current(stored.customer(), now),
                limitsParallel ? liveSpend.inFlight(userId, now) : null,
                modelBudgets == null
                        ? null
                        : liveSpend.modelSpend(userId, currentPeriods(modelBudgets, now), persistedModelSpend, now));
    }

    /** Each model entry's key → end of its period in force at {@code nowMs}, in the order written. */
    private Map<String, Long> currentPeriods(ModelBudgets modelBudgets, long nowMs) {
        Map<String, Long> out = new LinkedHashMap<>();
        for (ModelBudget e : modelBudgets.entries()) {
            out.put(e.model(), e.limits(nowMs, schedule.zone()).periodEndMs());
        }
        return out;
    }

    /** {@code /customer/update}: applies the given fields; see {@link #applyMaxBudget} for budgets. */
    public CustomerView update(CustomerUpdate in, String actor) {
        if (in.budgetId() != null && in.maxBudgetNanos() != null) {
            throw new TollgateException(
                    ErrorKind.BAD_REQUEST, "Set either 'max_budget' or 'budget_id', not both.", "max_budget");
        }
        checkDefaultModel(in.defaultModel());
        long now = schedule.nowMs();
        CustomerView view = Transactions.inTransaction(ds, c -> {
            CustomerRow old =
                    customers.findForUpdate(c, in.userId()).orElseThrow(() -> notFound(in.userId(), "user_id"));
            String budgetId = old.budgetId();
            BudgetRow budget = null;
            if (in.budgetId() != null) {
                budget = budgetService.require(c, in.budgetId(), "budget_id");
                budgetId = budget.budgetId();
            } else if (in.maxBudgetNanos() != null) {
                budget = applyMaxBudget(c, old, in.maxBudgetNanos(), now, actor);
                budgetId = budget.budgetId();
            }
            CustomerRow row = new CustomerRow(
                    old.userId(),
                    in.alias() != null ? in.alias() : old.alias(),
                    old.spendNanos(),
                    old.spendPeriodEnd(),
                    in.allowedModelRegion() != null ? in.allowedModelRegion() : old.allowedModelRegion(),
                    in.defaultModel() != null ? in.defaultModel() : old.defaultModel(),
                    budgetId,
                    in.blocked() != null ? in.blocked() : old.blocked(),
                    old.createdAt(),
                    now);
            customers.updateProfile(c, row);
            if (budget == null && budgetId != null) {
                budget = budgets.find(c, budgetId).orElse(null);
            }
            return new CustomerView(row, budget, row.spendNanos());
        });
        bus.publish(in.userId());
        return view;
    }

    /**
     * Sets a customer's max budget. Upstream edits the linked budget in place even when it is a
     * tier shared by many customers, silently changing the tier for all of them. Here the budget is
     * edited in place only when this customer is its sole user (and it is not the default budget);
     * otherwise the customer gets a private copy of its tier (or of the default budget, whose limits
     * it had until now) with the new maximum, so its RPM/TPM limits stay as they were.
     */
    private BudgetRow applyMaxBudget(Connection c, CustomerRow customer, long maxNanos, long now, String actor)
            throws SQLException {
        String current = customer.budgetId();
        if (current != null) {
            BudgetRow tier = budgets.findForUpdate(c, current).orElse(null);
            if (tier != null && !current.equals(defaultBudgetId) && budgets.customerCount(c, current) <= 1) {
                BudgetRow edited = tier.withMaxBudget(maxNanos, now, actor);
                budgets.update(c, edited);
                return edited;
            }
            if (tier != null) {
                return insertCopy(c, tier, maxNanos, now, actor);
            }
        }
        BudgetRow template = defaultBudgetId == null
                ? null
                : budgets.find(c, defaultBudgetId).orElse(null);
        if (template != null) {
            return insertCopy(c, template, maxNanos, now, actor);
        }
        BudgetRow fresh = new BudgetRow(
                UUID.randomUUID().toString(),
                maxNanos,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                now,
                actor,
                now,
                actor);
        budgets.insert(c, fresh);
        return fresh;
    }

    private BudgetRow insertCopy(Connection c, BudgetRow tier, long maxNanos, long now, String actor)
            throws SQLException {
        BudgetRow copy = tier.copyAs(UUID.randomUUID().toString(), maxNanos, now, actor);
        budgets.insert(c, copy);
        return copy;
    }

    /** {@code /customer/delete}: all or nothing; linked budgets and daily history are kept. */
    public List<String> delete(List<String> userIds) {
        List<String> ids = distinct(userIds);
        List<String> deleted = Transactions.inTransaction(ds, c -> {
            requireAll(c, ids);
            customers.delete(c, ids);
            return ids;
        });
        for (String id : deleted) {
            liveSpend.forget(id);
            bus.publish(id);
        }
        return deleted;
    }

    /**
     * {@code /customer/list}: one page ordered by id, after the id {@code after} (keyset) or at
     * {@code page}; {@code q} (an id or alias prefix) and {@code status} filter it (all nullable);
     * spend is the persisted value (cheap for many rows).
     */
    public List<CustomerView> list(String q, CustomerStatus status, String after, int page, int pageSize) {
        return Transactions.inTransaction(
                ds,
                c -> withBudgets(
                        c,
                        customers.list(c, q, status, defaultBudgetId, after, pageSize, (long) (page - 1) * pageSize)));
    }

    /** {@code /customer/block}: upserts {@code blocked=true}, creating unknown customers. */
    public List<CustomerView> block(List<String> userIds) {
        // Sorted, so two concurrent block calls lock rows in the same order and cannot deadlock.
        Set<String> ids = new TreeSet<>(requireIds(userIds));
        long now = schedule.nowMs();
        List<CustomerView> rows = Transactions.inTransaction(ds, c -> {
            for (String id : ids) {
                customers.insertBlockedIfMissing(c, id, now);
            }
            customers.setBlocked(c, ids, true, now);
            return withBudgets(c, customers.findAll(c, ids));
        });
        ids.forEach(bus::publish);
        return rows;
    }

    /** {@code /customer/unblock}: the symmetric opposite of block, on existing customers only. */
    public List<CustomerView> unblock(List<String> userIds) {
        List<String> requested = distinct(userIds);
        Set<String> ids = new TreeSet<>(requested);
        long now = schedule.nowMs();
        List<CustomerView> rows = Transactions.inTransaction(ds, c -> {
            requireAll(c, requested);
            customers.setBlocked(c, ids, false, now);
            return withBudgets(c, customers.findAll(c, ids));
        });
        ids.forEach(bus::publish);
        return rows;
    }

    private void requireAll(Connection c, List<String> ids) throws SQLException {
        Set<String> found =
                customers.findAll(c, ids).stream().map(CustomerRow::userId).collect(Collectors.toSet());
        List<String> missing = ids.stream().filter(id -> !found.contains(id)).collect(Collectors.toList());
        if (!missing.isEmpty()) {
            throw new TollgateException(
                    ErrorKind.NOT_FOUND,
                    "End User Id(s)=" + String.join(", ", missing) + " do not exist in db",
                    "user_ids");
        }
    }

    private List<CustomerView> withBudgets(Connection c, List<CustomerRow> rows) throws SQLException {
        Set<String> budgetIds = rows.stream()
                .map(CustomerRow::budgetId)
                .filter(Objects::nonNull)
                .collect(Collectors.toSet());
        Map<String, BudgetRow> byId = new HashMap<>();
        for (BudgetRow b : budgets.findAll(c, budgetIds)) {
            byId.put(b.budgetId(), b);
        }
        List<CustomerView> out = new ArrayList<>(rows.size());
        for (CustomerRow r : rows) {
            out.add(new CustomerView(r, r.budgetId() == null ? null : byId.get(r.budgetId()), r.spendNanos()));
        }
        return out;
    }

    /** End of the period an initial spend belongs to: the reset of the budget that applies, else never. */
    private long periodEnd(Connection c, BudgetRow linked) throws SQLException {
        BudgetRow applies = linked;
        if (applies == null && defaultBudgetId != null) {
            applies = budgets.find(c, defaultBudgetId).orElse(null);
        }
        return applies == null || applies.budgetResetAt() == null ? 0 : applies.budgetResetAt();
    }

    private void checkDefaultModel(String model) {
        if (model != null && !modelNames.contains(model)) {
            throw new TollgateException(
                    ErrorKind.UNPROCESSABLE,
                    "Default Model not on proxy. Configure via `/model/new` or config.yaml. Default_model=" + model
                            + ", proxy_model_names=" + PythonRepr.set(modelNames),
                    "default_model");
        }
    }

    private static String firstInlineField(BudgetInput b) {
        if (b.maxBudgetNanos() != null) {
            return "max_budget";
        }
        if (b.softBudgetNanos() != null) {
            return "soft_budget";
        }
        if (b.maxParallelRequests() != null) {
            return "max_parallel_requests";
        }
        if (b.tpmLimit() != null) {
            return "tpm_limit";
        }
        if (b.rpmLimit() != null) {
            return "rpm_limit";
        }
        if (b.modelMaxBudget() != null) {
            return "model_max_budget";
        }
        if (b.budgetDuration() != null) {
            return "budget_duration";
        }
        return b.budgetResetAt() != null ? "budget_reset_at" : null;
    }

    private static List<String> requireIds(List<String> userIds) {
        if (userIds == null || userIds.isEmpty()) {
            throw new TollgateException(ErrorKind.INVALID_REQUEST, "user_ids is required", "user_ids");
        }
        return userIds;
    }

    private static List<String> distinct(List<String> userIds) {
        return List.copyOf(new LinkedHashSet<>(requireIds(userIds)));
    }

    public static TollgateException notFound(String userId, String param) {
        return new TollgateException(ErrorKind.NOT_FOUND, "End User Id=" + userId + " does not exist in db", param);
    }

    private static TollgateException alreadyExists(String userId) {
        return new TollgateException(
                ErrorKind.BAD_REQUEST,
                "Customer already exists, passed user_id=" + userId + ". Please pass a new user_id.",
                "user_id");
    }
}
