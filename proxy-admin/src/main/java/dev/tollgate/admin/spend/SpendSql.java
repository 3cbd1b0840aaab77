package dev.tollgate.admin.spend;

import dev.tollgate.core.limits.PendingBatch;
import dev.tollgate.core.limits.PendingBatch.DailyUsage;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The set-based statements of a spend flush, in each database's own form: on PostgreSQL
 * {@code INSERT … SELECT FROM unnest(…) ON CONFLICT}, which is safe against concurrent flushers of
 * a fleet; on H2 (one instance) {@code MERGE … USING UNNEST(…)}. Each statement takes whole columns
 * as arrays, so a group costs the same few round trips whatever its size.
 *
 * <p>The period rules of {@link PeriodSpendRules} for a batch with one period are written as SQL
 * {@code CASE}s here; batches spanning several periods take the Java path.
 */
abstract class SpendSql {

    static SpendSql forDatabase(String productName) {
        return productName.toLowerCase(Locale.ROOT).contains("postgres") ? new Postgres() : new H2();
    }

    /** Records the ids of {@code batches}; returns those recorded now (the rest were applied before). */
    abstract Set<String> recordBatchIds(Connection c, List<PendingBatch> batches, long nowMs) throws SQLException;

    /** The ids among {@code ids} that are in the table of applied batches. */
    Set<String> existingBatchIds(Connection c, List<String> ids) throws SQLException {
        Set<String> found = new HashSet<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT batch_id FROM tg_spend_batch WHERE batch_id IN"
                + " (SELECT u.b FROM UNNEST(" + cast(1, "varchar") + ") AS u(b))")) {
            ps.setArray(1, c.createArrayOf("varchar", SpendRepository.strings(ids)));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    found.add(rs.getString(1));
                }
            }
        }
        return found;
    }

    /** Adds each batch's single period spend to its customer's row (created when missing). */
    abstract void upsertCustomers(Connection c, List<PendingBatch> onePeriod, long nowMs) throws SQLException;

    /** Adds the day/model aggregates of the batches. */
    abstract void upsertDaily(Connection c, List<PendingBatch> batches) throws SQLException;

    /** Adds the model-entry spend of the batches ({@code tg_customer_model_spend}). */
    abstract void upsertModelSpend(Connection c, List<PendingBatch> batches) throws SQLException;

    void insertCustomerIfMissing(Connection c, String customerId, long nowMs) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO tg_customer (user_id, spend_nanos, spend_period_end, blocked, created_at, updated_at)"
                        + " VALUES (?, 0, 0, FALSE, ?, ?) ON CONFLICT DO NOTHING")) {
            ps.setString(1, customerId);
            ps.setLong(2, nowMs);
            ps.setLong(3, nowMs);
            ps.executeUpdate();
        }
    }

    /** The n-th parameter as an array of {@code type} ({@code varchar} or {@code bigint}). */
    abstract String cast(int n, String type);

    /**
     * New spend and period of a row whose spend is {@code rs}, period {@code rp}, given a batch
     * spend {@code s} for period {@code p}; {@code ?} is the current time. As {@link PeriodSpendRules}.
     */
    static String newSpend(String rs, String rp, String s, String p) {
        return "CASE WHEN " + p + " = " + rp + " OR " + rp + " = 0 OR (" + p + " = 0 AND ? < " + rp + ") THEN " + rs
                + " + " + s + " WHEN " + p + " = 0 OR " + p + " > " + rp + " THEN " + s + " ELSE " + rs + " END";
    }

    static String newPeriod(String rp, String p) {
        return "CASE WHEN " + p + " = " + rp + " THEN " + rp + " WHEN " + rp + " = 0 THEN " + p + " WHEN " + p
                + " = 0 AND ? < " + rp + " THEN " + rp + " WHEN " + p + " = 0 OR " + p + " > " + rp + " THEN " + p
                + " ELSE " + rp + " END";
    }

    /** Columns of the single-period customer upsert, sorted by customer id. */
    record CustomerColumns(Array ids, Array spend, Array period) {
        static CustomerColumns of(Connection c, List<PendingBatch> onePeriod) throws SQLException {
            List<String> ids = new ArrayList<>(onePeriod.size());
            long[] spend = new long[onePeriod.size()];
            long[] period = new long[onePeriod.size()];
            for (int i = 0; i < onePeriod.size(); i++) {
                PendingBatch b = onePeriod.get(i);
                ids.add(b.customerId());
                spend[i] = b.spendByPeriod().get(0).spendNanos();
                period[i] = b.spendByPeriod().get(0).periodEndMs();
            }
            return new CustomerColumns(
                    c.createArrayOf("varchar", SpendRepository.strings(ids)),
                    c.createArrayOf("bigint", SpendRepository.longs(spend)),
                    c.createArrayOf("bigint", SpendRepository.longs(period)));
        }
    }

    /** Columns of the daily upsert: one row per customer, day and model (summed), in key order. */
    record DailyColumns(int size, Array[] columns) {
        static DailyColumns of(Connection c, List<PendingBatch> batches) throws SQLException {
            Map<List<String>, long[]> rows = new TreeMap<>(DailyColumns::compareKeys);
            for (PendingBatch b : batches) {
                for (DailyUsage d : b.daily()) {
                    long[] v = rows.computeIfAbsent(List.of(b.customerId(), d.day(), d.model()), k -> new long[6]);
                    v[0] = Math.addExact(v[0], d.requests());
                    v[1] = Math.addExact(v[1], d.successfulRequests());
                    v[2] = Math.addExact(v[2], Math.max(0, d.requests() - d.successfulRequests()));
                    v[3] = Math.addExact(v[3], d.promptTokens());
                    v[4] = Math.addExact(v[4], d.completionTokens());
                    v[5] = Math.addExact(v[5], d.spendNanos());
                }
            }
            int n = rows.size();
            String[][] keys = new String[3][n];
            long[][] values = new long[6][n];
            int i = 0;
            for (Map.Entry<List<String>, long[]> e : rows.entrySet()) {
                for (int k = 0; k < 3; k++) {
                    keys[k][i] = e.getKey().get(k);
                }
                for (int k = 0; k < 6; k++) {
                    values[k][i] = e.getValue()[k];
                }
                i++;
            }
            Array[] columns = new Array[9];
            for (int k = 0; k < 3; k++) {
                columns[k] = c.createArrayOf("varchar", keys[k]);
            }
            for (int k = 0; k < 6; k++) {
                columns[3 + k] = c.createArrayOf("bigint", SpendRepository.longs(values[k]));
            }
            return new DailyColumns(n, columns);
        }

        private static int compareKeys(List<String> a, List<String> b) {
            for (int k = 0; k < 3; k++) {
                int c = a.get(k).compareTo(b.get(k));
                if (c != 0) {
                    return c;
                }
            }
            return 0;
        }
    }

    /** Columns of the model-spend upsert: one row per customer, model and period (summed), in key order. */
    record ModelColumns(int size, Array customers, Array models, Array periods, Array spend) {
        static ModelColumns of(Connection c, List<PendingBatch> batches) throws SQLException {
            Map<String, Map<String, Map<Long, Long>>> rows = new TreeMap<>();
            for (PendingBatch b : batches) {
                for (PendingBatch.ModelSpend m : b.modelSpend()) {
                    rows.computeIfAbsent(b.customerId(), k -> new TreeMap<>())
                            .computeIfAbsent(m.model(), k -> new TreeMap<>())
                            .merge(m.periodEndMs(), m.spendNanos(), Math::addExact);
                }
            }
            List<String> customers = new ArrayList<>();
            List<String> models = new ArrayList<>();
            List<Long> periods = new ArrayList<>();
            List<Long> spend = new ArrayList<>();
            rows.forEach((customer, byModel) -> byModel.forEach((model, byPeriod) -> byPeriod.forEach((pe, v) -> {
                customers.add(customer);
                models.add(model);
                periods.add(pe);
                spend.add(v);
            })));
            return new ModelColumns(
                    customers.size(),
                    c.createArrayOf("varchar", SpendRepository.strings(customers)),
                    c.createArrayOf("varchar", SpendRepository.strings(models)),
                    c.createArrayOf("bigint", periods.toArray(Long[]::new)),
                    c.createArrayOf("bigint", spend.toArray(Long[]::new)));
        }

        void bind(PreparedStatement ps) throws SQLException {
            ps.setArray(1, customers);
            ps.setArray(2, models);
            ps.setArray(3, periods);
            ps.setArray(4, spend);
        }
    }

    static final String DAILY_COLUMNS = "customer_id, usage_day, model, requests, successful_requests,"
            + " failed_requests, prompt_tokens, completion_tokens, spend_nanos";

    static final String[] DAILY_COUNTERS = {
        "requests", "successful_requests", "failed_requests", "prompt_tokens", "completion_tokens", "spend_nanos"
    };

    /** PostgreSQL: upserts that wait for, and then see, a concurrent flusher's commit of the same key. */
    static final class Postgres extends SpendSql {
        @Override
        String cast(int n, String type) {
            return "?::" + type + "[]";
        }

        @Override
        Set<String> recordBatchIds(Connection c, List<PendingBatch> batches, long nowMs) throws SQLException {
            Set<String> fresh = new HashSet<>();
            try (PreparedStatement ps =
                    c.prepareStatement("INSERT INTO tg_spend_batch (batch_id, customer_id, spend_nanos, applied_at)"
                            + " SELECT u.b, u.c, u.s, ? FROM unnest(?::varchar[], ?::varchar[], ?::bigint[]) AS u(b, c, s)"
                            + " ON CONFLICT (batch_id) DO NOTHING RETURNING batch_id")) {
                bindBatchColumns(c, ps, batches, nowMs);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        fresh.add(rs.getString(1));
                    }
                }
            }
            return fresh;
        }

        @Override
        void upsertCustomers(Connection c, List<PendingBatch> onePeriod, long nowMs) throws SQLException {
            if (onePeriod.isEmpty()) {
                return;
            }
            CustomerColumns cols = CustomerColumns.of(c, onePeriod);
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO tg_customer AS t (user_id, spend_nanos, spend_period_end, blocked, created_at, updated_at)"
                            + " SELECT u.id, u.s, u.p, FALSE, ?, ? FROM unnest(?::varchar[], ?::bigint[], ?::bigint[])"
                            + " AS u(id, s, p) ON CONFLICT (user_id) DO UPDATE SET spend_nanos = "
                            + newSpend(
                                    "t.spend_nanos",
                                    "t.spend_period_end",
                                    "EXCLUDED.spend_nanos",
                                    "EXCLUDED.spend_period_end")
                            + ", spend_period_end = " + newPeriod("t.spend_period_end", "EXCLUDED.spend_period_end")
                            + ", updated_at = EXCLUDED.updated_at")) {
                ps.setLong(1, nowMs);
                ps.setLong(2, nowMs);
                ps.setArray(3, cols.ids());
                ps.setArray(4, cols.spend());
                ps.setArray(5, cols.period());
                ps.setLong(6, nowMs);
                ps.setLong(7, nowMs);
                ps.executeUpdate();
            }
        }

        @Override
        void upsertDaily(Connection c, List<PendingBatch> batches) throws SQLException {
            DailyColumns cols = DailyColumns.of(c, batches);
            if (cols.size() == 0) {
                return;
            }
            String set = dailyIncrements("EXCLUDED.");
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO tg_daily_customer_spend AS d ("
                    + DAILY_COLUMNS + ") SELECT * FROM unnest(?::varchar[], ?::varchar[], ?::varchar[], ?::bigint[],"
                    + " ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[])"
                    + " ON CONFLICT (customer_id, usage_day, model) DO UPDATE SET " + set)) {
                for (int k = 0; k < 9; k++) {
                    ps.setArray(k + 1, cols.columns()[k]);
                }
                ps.executeUpdate();
            }
        }

        @Override
        void upsertModelSpend(Connection c, List<PendingBatch> batches) throws SQLException {
            ModelColumns cols = ModelColumns.of(c, batches);
            if (cols.size() == 0) {
                return;
            }
            try (PreparedStatement ps =
                    c.prepareStatement("INSERT INTO tg_customer_model_spend AS t (customer_id, model,"
                            + " period_end_ms, spend_nanos) SELECT * FROM unnest(?::varchar[], ?::varchar[], ?::bigint[],"
                            + " ?::bigint[]) ON CONFLICT (customer_id, model, period_end_ms) DO UPDATE SET spend_nanos ="
                            + " t.spend_nanos + EXCLUDED.spend_nanos")) {
                cols.bind(ps);
                ps.executeUpdate();
            }
        }
    }

    /** H2 (embedded, one instance): MERGE with the arrays as the source table. */
    static final class H2 extends SpendSql {
        @Override
        String cast(int n, String type) {
            return "CAST(? AS " + type.toUpperCase(Locale.ROOT) + " ARRAY)";
        }

        @Override
        Set<String> recordBatchIds(Connection c, List<PendingBatch> batches, long nowMs) throws SQLException {
            Set<String> fresh = SpendRepository.ids(batches);
            fresh.removeAll(existingBatchIds(
                    c, batches.stream().map(PendingBatch::batchId).toList()));
            List<PendingBatch> toRecord =
                    batches.stream().filter(b -> fresh.contains(b.batchId())).toList();
            if (toRecord.isEmpty()) {
                return fresh;
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO tg_spend_batch (batch_id, customer_id, spend_nanos, applied_at) SELECT u.b, u.c, u.s, ?"
                            + " FROM UNNEST(CAST(? AS VARCHAR ARRAY), CAST(? AS VARCHAR ARRAY), CAST(? AS BIGINT ARRAY))"
                            + " AS u(b, c, s)")) {
                bindBatchColumns(c, ps, toRecord, nowMs);
                ps.executeUpdate();
            }
            return fresh;
        }

        @Override
        void upsertCustomers(Connection c, List<PendingBatch> onePeriod, long nowMs) throws SQLException {
            if (onePeriod.isEmpty()) {
                return;
            }
            CustomerColumns cols = CustomerColumns.of(c, onePeriod);
            try (PreparedStatement ps = c.prepareStatement("MERGE INTO tg_customer t USING (SELECT u.id, u.s, u.p"
                    + " FROM UNNEST(CAST(? AS VARCHAR ARRAY), CAST(? AS BIGINT ARRAY), CAST(? AS BIGINT ARRAY))"
                    + " AS u(id, s, p)) u ON t.user_id = u.id"
                    + " WHEN MATCHED THEN UPDATE SET spend_nanos = "
                    + newSpend("t.spend_nanos", "t.spend_period_end", "u.s", "u.p")
                    + ", spend_period_end = " + newPeriod("t.spend_period_end", "u.p") + ", updated_at = ?"
                    + " WHEN NOT MATCHED THEN INSERT (user_id, spend_nanos, spend_period_end, blocked, created_at,"
                    + " updated_at) VALUES (u.id, u.s, u.p, FALSE, ?, ?)")) {
                ps.setArray(1, cols.ids());
                ps.setArray(2, cols.spend());
                ps.setArray(3, cols.period());
                ps.setLong(4, nowMs);
                ps.setLong(5, nowMs);
                ps.setLong(6, nowMs);
                ps.setLong(7, nowMs);
                ps.setLong(8, nowMs);
                ps.executeUpdate();
            }
        }

        @Override
        void upsertDaily(Connection c, List<PendingBatch> batches) throws SQLException {
            DailyColumns cols = DailyColumns.of(c, batches);
            if (cols.size() == 0) {
                return;
            }
            String set = dailyIncrements("u.");
            try (PreparedStatement ps = c.prepareStatement("MERGE INTO tg_daily_customer_spend d USING (SELECT * FROM"
                    + " UNNEST(CAST(? AS VARCHAR ARRAY), CAST(? AS VARCHAR ARRAY), CAST(? AS VARCHAR ARRAY),"
                    + " CAST(? AS BIGINT ARRAY), CAST(? AS BIGINT ARRAY), CAST(? AS BIGINT ARRAY), CAST(? AS BIGINT ARRAY),"
                    + " CAST(? AS BIGINT ARRAY), CAST(? AS BIGINT ARRAY)) AS u(" + DAILY_COLUMNS + ")) u"
                    + " ON d.customer_id = u.customer_id AND d.usage_day = u.usage_day AND d.model = u.model"
                    + " WHEN MATCHED THEN UPDATE SET " + set
                    + " WHEN NOT MATCHED THEN INSERT (" + DAILY_COLUMNS + ") VALUES (u.customer_id, u.usage_day,"
                    + " u.model, u.requests, u.successful_requests, u.failed_requests, u.prompt_tokens,"
                    + " u.completion_tokens, u.spend_nanos)")) {
                for (int k = 0; k < 9; k++) {
                    ps.setArray(k + 1, cols.columns()[k]);
                }
                ps.executeUpdate();
            }
        }

        @Override
        void upsertModelSpend(Connection c, List<PendingBatch> batches) throws SQLException {
            ModelColumns cols = ModelColumns.of(c, batches);
            if (cols.size() == 0) {
                return;
            }
            try (PreparedStatement ps = c.prepareStatement("MERGE INTO tg_customer_model_spend t USING (SELECT * FROM"
                    + " UNNEST(CAST(? AS VARCHAR ARRAY), CAST(? AS VARCHAR ARRAY), CAST(? AS BIGINT ARRAY),"
                    + " CAST(? AS BIGINT ARRAY)) AS u(customer_id, model, period_end_ms, spend_nanos)) u"
                    + " ON t.customer_id = u.customer_id AND t.model = u.model AND t.period_end_ms = u.period_end_ms"
                    + " WHEN MATCHED THEN UPDATE SET spend_nanos = t.spend_nanos + u.spend_nanos"
                    + " WHEN NOT MATCHED THEN INSERT (customer_id, model, period_end_ms, spend_nanos)"
                    + " VALUES (u.customer_id, u.model, u.period_end_ms, u.spend_nanos)")) {
                cols.bind(ps);
                ps.executeUpdate();
            }
        }
    }

    /** Parameters 1..4 of the batch-id insert: applied_at, then the id, customer and total columns. */
    static void bindBatchColumns(Connection c, PreparedStatement ps, List<PendingBatch> batches, long nowMs)
            throws SQLException {
        List<String> ids = new ArrayList<>(batches.size());
        List<String> customers = new ArrayList<>(batches.size());
        long[] totals = new long[batches.size()];
        for (int i = 0; i < batches.size(); i++) {
            PendingBatch b = batches.get(i);
            ids.add(b.batchId());
            customers.add(b.customerId());
            totals[i] = SpendRepository.total(b);
        }
        ps.setLong(1, nowMs);
        ps.setArray(2, c.createArrayOf("varchar", SpendRepository.strings(ids)));
        ps.setArray(3, c.createArrayOf("varchar", SpendRepository.strings(customers)));
        ps.setArray(4, c.createArrayOf("bigint", SpendRepository.longs(totals)));
    }

    /** {@code counter = d.counter + <from>counter, ...} for every daily counter. */
    private static String dailyIncrements(String from) {
        StringBuilder set = new StringBuilder();
        for (String counter : DAILY_COUNTERS) {
            set.append(set.length() == 0 ? "" : ", ")
                    .append(counter)
                    .append(" = d.")
                    .append(counter)
                    .append(" + ")
                    .append(from)
                    .append(counter);
        }
        return set.toString();
    }
}
