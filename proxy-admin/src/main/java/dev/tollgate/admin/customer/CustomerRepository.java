package dev.tollgate.admin.customer;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** SQL for {@code tg_customer}. Every method runs on the caller's connection (and transaction). */
public final class CustomerRepository {
    private static final String COLUMNS = "user_id, alias, spend_nanos, spend_period_end, allowed_model_region,"
            + " default_model, budget_id, blocked, created_at, updated_at";

    public void insert(Connection c, CustomerRow r) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO tg_customer (" + COLUMNS + ", alias_lower) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, r.userId());
            ps.setString(2, r.alias());
            ps.setLong(3, r.spendNanos());
            ps.setLong(4, r.spendPeriodEnd());
            ps.setString(5, r.allowedModelRegion());
            ps.setString(6, r.defaultModel());
            ps.setString(7, r.budgetId());
            ps.setBoolean(8, r.blocked());
            ps.setLong(9, r.createdAt());
            ps.setLong(10, r.updatedAt());
            ps.setString(11, lower(r.alias()));
            ps.executeUpdate();
        }
    }

    /**
     * Writes the admin-editable columns. Spend columns are left alone: the spend flusher adds to
     * them concurrently, and an admin edit must not overwrite a flush with a stale value.
     */
    public void updateProfile(Connection c, CustomerRow r) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE tg_customer SET alias = ?, alias_lower = ?,"
                + " allowed_model_region = ?, default_model = ?, budget_id = ?, blocked = ?, updated_at = ?"
                + " WHERE user_id = ?")) {
            ps.setString(1, r.alias());
            ps.setString(2, lower(r.alias()));
            ps.setString(3, r.allowedModelRegion());
            ps.setString(4, r.defaultModel());
            ps.setString(5, r.budgetId());
            ps.setBoolean(6, r.blocked());
            ps.setLong(7, r.updatedAt());
            ps.setString(8, r.userId());
            ps.executeUpdate();
        }
    }

    /**
     * The persisted spend of the customer's model entries in the given periods (key → period end);
     * an entry without a row has spent nothing in its period.
     */
    public Map<String, Long> modelSpend(Connection c, String userId, Map<String, Long> periods) throws SQLException {
        Map<String, Long> out = new java.util.HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT model, period_end_ms, spend_nanos FROM tg_customer_model_spend WHERE customer_id = ?")) {
            ps.setString(1, userId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Long current = periods.get(rs.getString(1));
                    if (current != null && current == rs.getLong(2)) {
                        out.put(rs.getString(1), rs.getLong(3));
                    }
                }
            }
        }
        return out;
    }

    public Optional<CustomerRow> find(Connection c, String userId) throws SQLException {
        return query(c, "SELECT " + COLUMNS + " FROM tg_customer WHERE user_id = ?", List.of(userId)).stream()
                .findFirst();
    }

    /** Locks the row until the transaction ends, so concurrent updates of one customer serialise. */
    public Optional<CustomerRow> findForUpdate(Connection c, String userId) throws SQLException {
        return query(c, "SELECT " + COLUMNS + " FROM tg_customer WHERE user_id = ? FOR UPDATE", List.of(userId))
                .stream()
                .findFirst();
    }

    /** The rows among {@code ids} that exist, ordered by id. */
    public List<CustomerRow> findAll(Connection c, Collection<String> ids) throws SQLException {
        if (ids.isEmpty()) {
            return List.of();
        }
        return query(
                c,
                "SELECT " + COLUMNS + " FROM tg_customer WHERE user_id IN (" + marks(ids.size()) + ") ORDER BY user_id",
                List.copyOf(ids));
    }

    /**
     * One page of customers ordered by id.
     *
     * <ul>
     * <li>{@code q} (nullable) keeps the customers whose id starts with it (exact case) or whose
     * alias starts with it (any case); both are index range scans.
     * <li>{@code status} (nullable) keeps those where the customer stands so against the budget that
     * applies to it: its own or its tier's, else {@code defaultBudgetId} (nullable).
     * <li>{@code after} (nullable) is keyset pagination: only ids after it, so a page costs the same
     * at row 10 or row 1,000,000 and rows inserted meanwhile neither shift nor repeat the pages;
     * otherwise {@code offset} rows are skipped.
     * </ul>
     */
    public List<CustomerRow> list(
            Connection c, String q, CustomerStatus status, String defaultBudgetId, String after, int limit, long offset)
            throws SQLException {
        List<String> args = new ArrayList<>();
        String sql;
        if (q == null || q.isEmpty()) {
            sql = listBranch(null, null, status, defaultBudgetId, after, args);
        } else {
            // Two index range scans joined, rather than one OR that would make the database read
            // every row in id order and test both conditions.
            String byId = listBranch("c.user_id", likeEscape(q) + "%", status, defaultBudgetId, after, args);
            String byAlias = listBranch(
                    "c.alias_lower",
                    likeEscape(q.toLowerCase(Locale.ROOT)) + "%",
                    status,
                    defaultBudgetId,
                    after,
                    args);
            sql = "SELECT * FROM (" + byId + " UNION " + byAlias + ") AS found";
        }
        sql += " ORDER BY user_id LIMIT " + limit + (after == null && offset > 0 ? " OFFSET " + offset : "");
        return query(c, sql, args);
    }

    /** One SELECT of {@link #list}: an optional prefix match on {@code column}, the status filter, the keyset. */
    private static String listBranch(
            String column,
            String prefix,
            CustomerStatus status,
            String defaultBudgetId,
            String after,
            List<String> args) {
        StringBuilder sql = new StringBuilder("SELECT ").append(qualified("c")).append(" FROM tg_customer c");
        if (status != null) {
            sql.append(" LEFT JOIN tg_budget b ON b.budget_id = COALESCE(c.budget_id, ?)");
            args.add(defaultBudgetId);
        }
        sql.append(" WHERE 1 = 1");
        if (column != null) {
            sql.append(" AND ").append(column).append(" LIKE ? ESCAPE '\\'");
            args.add(prefix);
        }
        if (status != null) {
            sql.append(" AND (").append(status.sqlCondition()).append(')');
        }
        if (after != null) {
            sql.append(" AND c.user_id > ?");
            args.add(after);
        }
        return sql.toString();
    }

    /** The columns, each prefixed with {@code alias.}. */
    private static String qualified(String alias) {
        return alias + "." + COLUMNS.replace(", ", ", " + alias + ".");
    }

    public int delete(Connection c, Collection<String> ids) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("DELETE FROM tg_customer WHERE user_id IN (" + marks(ids.size()) + ")")) {
            bind(ps, 1, List.copyOf(ids));
            return ps.executeUpdate();
        }
    }

    /** Creates a bare blocked customer unless the id exists; race-free on both databases. */
    public void insertBlockedIfMissing(Connection c, String userId, long nowMs) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("INSERT INTO tg_customer (user_id, blocked, created_at, updated_at)"
                        + " VALUES (?, TRUE, ?, ?) ON CONFLICT DO NOTHING")) {
            ps.setString(1, userId);
            ps.setLong(2, nowMs);
            ps.setLong(3, nowMs);
            ps.executeUpdate();
        }
    }

    public void setBlocked(Connection c, Collection<String> ids, boolean blocked, long nowMs) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE tg_customer SET blocked = ?, updated_at = ? WHERE user_id IN (" + marks(ids.size()) + ")")) {
            ps.setBoolean(1, blocked);
            ps.setLong(2, nowMs);
            bind(ps, 3, List.copyOf(ids));
            ps.executeUpdate();
        }
    }

    /** Aliases of the given customers that exist and have one. */
    public Map<String, String> aliases(Connection c, Collection<String> ids) throws SQLException {
        Map<String, String> out = new HashMap<>();
        for (CustomerRow r : findAll(c, ids)) {
            if (r.alias() != null) {
                out.put(r.userId(), r.alias());
            }
        }
        return out;
    }

    private static String lower(String alias) {
        return alias == null ? null : alias.toLowerCase(Locale.ROOT);
    }

    static String likeEscape(String s) {
        return s.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
    }

    private static String marks(int n) {
        return String.join(", ", Collections.nCopies(n, "?"));
    }

    private static void bind(PreparedStatement ps, int first, List<String> args) throws SQLException {
        for (int i = 0; i < args.size(); i++) {
            ps.setString(first + i, args.get(i));
        }
    }

    private static List<CustomerRow> query(Connection c, String sql, List<String> args) throws SQLException {
        List<CustomerRow> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, 1, args);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new CustomerRow(
                            rs.getString("user_id"),
                            rs.getString("alias"),
                            rs.getLong("spend_nanos"),
                            rs.getLong("spend_period_end"),
                            rs.getString("allowed_model_region"),
                            rs.getString("default_model"),
                            rs.getString("budget_id"),
                            rs.getBoolean("blocked"),
                            rs.getLong("created_at"),
                            rs.getLong("updated_at")));
                }
            }
        }
        return out;
    }
}
