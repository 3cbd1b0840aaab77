package dev.tollgate.admin.customer;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Read-only SQL over {@code tg_daily_customer_spend} (written by the spend flusher). */
public final class DailyActivityRepository {
    private static final String SUMS = "SUM(requests), SUM(successful_requests), SUM(failed_requests),"
            + " SUM(prompt_tokens), SUM(completion_tokens), SUM(spend_nanos)";

    /** Every day with usage matching the filter, newest first. */
    public List<String> days(Connection c, ActivityFilter f) throws SQLException {
        List<String> args = new ArrayList<>();
        String where = where(f, args);
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = prepare(
                        c,
                        "SELECT DISTINCT usage_day FROM tg_daily_customer_spend" + where + " ORDER BY usage_day DESC",
                        args);
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    /** The aggregate rows of the given days, matching the filter. */
    public List<DailyUsage> rows(Connection c, ActivityFilter f, List<String> days) throws SQLException {
        if (days.isEmpty()) {
            return List.of();
        }
        List<String> args = new ArrayList<>();
        String where = where(f, args) + " AND usage_day IN (" + marks(days.size()) + ")";
        args.addAll(days);
        List<DailyUsage> out = new ArrayList<>();
        try (PreparedStatement ps = prepare(
                        c,
                        "SELECT usage_day, customer_id, model, requests, successful_requests,"
                                + " failed_requests, prompt_tokens, completion_tokens, spend_nanos FROM tg_daily_customer_spend"
                                + where
                                + " ORDER BY usage_day DESC, customer_id, model",
                        args);
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new DailyUsage(
                        rs.getString(1),
                        rs.getString(2),
                        rs.getString(3),
                        rs.getLong(4),
                        rs.getLong(5),
                        rs.getLong(6),
                        rs.getLong(7),
                        rs.getLong(8),
                        rs.getLong(9)));
            }
        }
        return out;
    }

    /** Sums over everything the filter matches. */
    public DailyUsage totals(Connection c, ActivityFilter f) throws SQLException {
        List<String> args = new ArrayList<>();
        String where = where(f, args);
        try (PreparedStatement ps = prepare(c, "SELECT " + SUMS + " FROM tg_daily_customer_spend" + where, args);
                ResultSet rs = ps.executeQuery()) {
            rs.next();
            return new DailyUsage(
                    null,
                    null,
                    null,
                    rs.getLong(1),
                    rs.getLong(2),
                    rs.getLong(3),
                    rs.getLong(4),
                    rs.getLong(5),
                    rs.getLong(6));
        }
    }

    private static String where(ActivityFilter f, List<String> args) {
        // usage_day is 'YYYY-MM-DD' text, so string order is date order.
        StringBuilder w = new StringBuilder(" WHERE usage_day >= ? AND usage_day <= ?");
        args.add(f.start().toString());
        args.add(f.end().toString());
        if (!f.customerIds().isEmpty()) {
            w.append(" AND customer_id IN (")
                    .append(marks(f.customerIds().size()))
                    .append(')');
            args.addAll(f.customerIds());
        }
        if (!f.excludeIds().isEmpty()) {
            w.append(" AND customer_id NOT IN (")
                    .append(marks(f.excludeIds().size()))
                    .append(')');
            args.addAll(f.excludeIds());
        }
        if (f.model() != null) {
            w.append(" AND model = ?");
            args.add(f.model());
        }
        return w.toString();
    }

    private static PreparedStatement prepare(Connection c, String sql, List<String> args) throws SQLException {
        PreparedStatement ps = c.prepareStatement(sql);
        for (int i = 0; i < args.size(); i++) {
            ps.setString(i + 1, args.get(i));
        }
        return ps;
    }

    private static String marks(int n) {
        return String.join(", ", Collections.nCopies(n, "?"));
    }
}
