package dev.tollgate.admin.export;

import dev.tollgate.core.money.Money;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import javax.sql.DataSource;

/**
 * Customers and their spend over a range of UTC days, as CSV: what billing starts from. Rows are
 * read with a cursor and written as they come, so a million customers never sit in memory.
 * Blocking JDBC: run it on the JDBC executor.
 *
 * <p>Columns: {@code customer_id, alias, budget_id, blocked, requests, prompt_tokens,
 * completion_tokens, spend_usd, spend_nanos}; {@code spend_usd} is exact (the nano-dollar sum as a
 * decimal). One row per customer with usage in the range, ordered by id. Text is quoted as RFC 4180
 * says, and a text cell starting with {@code = + - @} or a tab is prefixed with {@code '} so that a
 * spreadsheet shows it instead of evaluating it.
 */
public final class SpendExport {
    public static final String HEADER =
            "customer_id,alias,budget_id,blocked,requests,prompt_tokens,completion_tokens,spend_usd,spend_nanos\r\n";
    private static final int FETCH = 5_000;

    private final DataSource dataSource;

    public SpendExport(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Where the CSV text goes, a piece at a time. */
    public interface Sink {
        void write(CharSequence text) throws IOException;
    }

    /** Writes the header and one row per customer; returns the number of rows. */
    public long write(LocalDate from, LocalDate to, Sink out) throws SQLException, IOException {
        out.write(HEADER);
        long rows = 0;
        try (Connection c = dataSource.getConnection()) {
            // PostgreSQL streams with a cursor only inside a transaction.
            c.setAutoCommit(false);
            c.setReadOnly(true);
            try (PreparedStatement ps = c.prepareStatement("SELECT d.customer_id, c.alias, c.budget_id, c.blocked,"
                    + " SUM(d.requests), SUM(d.prompt_tokens), SUM(d.completion_tokens), SUM(d.spend_nanos)"
                    + " FROM tg_daily_customer_spend d LEFT JOIN tg_customer c ON c.user_id = d.customer_id"
                    + " WHERE d.usage_day >= ? AND d.usage_day <= ?"
                    + " GROUP BY d.customer_id, c.alias, c.budget_id, c.blocked ORDER BY d.customer_id")) {
                ps.setFetchSize(FETCH);
                ps.setString(1, from.toString());
                ps.setString(2, to.toString());
                StringBuilder line = new StringBuilder(256);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        line.setLength(0);
                        text(line, rs.getString(1)).append(',');
                        text(line, rs.getString(2)).append(',');
                        text(line, rs.getString(3)).append(',');
                        line.append(rs.getBoolean(4)).append(',');
                        line.append(rs.getBigDecimal(5).toPlainString()).append(',');
                        line.append(rs.getBigDecimal(6).toPlainString()).append(',');
                        line.append(rs.getBigDecimal(7).toPlainString()).append(',');
                        long nanos = rs.getBigDecimal(8).longValueExact();
                        line.append(Money.nanosToUsd(nanos).toPlainString()).append(',');
                        line.append(nanos).append("\r\n");
                        out.write(line);
                        rows++;
                    }
                }
            } finally {
                c.rollback();
                c.setReadOnly(false);
                c.setAutoCommit(true);
            }
        }
        return rows;
    }

    static StringBuilder text(StringBuilder out, String value) {
        if (value == null) {
            return out;
        }
        String v = value;
        if (!v.isEmpty() && "=+-@\t\r".indexOf(v.charAt(0)) >= 0) {
            v = "'" + v;
        }
        boolean quote = v.indexOf(',') >= 0
                || v.indexOf('"') >= 0
                || v.indexOf('\n') >= 0
                || v.indexOf('\r') >= 0
                || v.startsWith("'");
        if (!quote) {
            return out.append(v);
        }
        out.append('"');
        for (int i = 0; i < v.length(); i++) {
            char ch = v.charAt(i);
            if (ch == '"') {
                out.append('"');
            }
            out.append(ch);
        }
        return out.append('"');
    }
}
