package dev.tollgate.core.limits;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Field names of a customer's pending (not yet persisted) spend, shared by both stores so that a
 * batch reads the same whichever store produced it.
 *
 * <ul>
 * <li>{@code s:<periodEnd>}: spend to add to the period ending then (nanos);
 * <li>{@code d:<day>|<metric>|<model>}: daily aggregate, metric one of ro, pt, ct, sp (and req,
 * ok, which older versions wrote and which still decode);
 * <li>{@code m:<periodEnd>|<model>}: spend to add to the period of a {@code model_max_budget}
 * entry (nanos); the model key is everything after the first {@code |}.
 * </ul>
 * {@code ro} packs the requests and successful requests in one 64-bit integer,
 * {@code requests × 2^32 + successful}, so one HINCRBY counts both. Sums of packed values are the
 * packed sums as long as each part stays within ±2^31 in one pending hash (two billion calls of
 * one customer, day and model between two flushes); past that the packed value leaves the 64-bit
 * range and Redis refuses the increment (an error, never a wrong count).
 * The model comes last and is everything after the second {@code |}, so a model name may
 * contain any character without escaping; a day never contains {@code |}.
 */
public final class PendingFields {
    public static final String PERIOD_PREFIX = "s:";
    public static final String DAILY_PREFIX = "d:";
    public static final String MODEL_PREFIX = "m:";
    public static final String REQUESTS = "req";
    public static final String SUCCESSFUL = "ok";
    public static final String PROMPT = "pt";
    public static final String COMPLETION = "ct";
    public static final String SPEND = "sp";
    /** Requests and successful requests packed in one field: see {@link #requestsOk}. */
    public static final String REQUESTS_OK = "ro";

    private static final long PACK = 1L << 32;
    private static final long HALF = 1L << 31;

    private PendingFields() {}

    public static String periodField(long periodEndMs) {
        return PERIOD_PREFIX + periodEndMs;
    }

    public static String modelField(long periodEndMs, String model) {
        return MODEL_PREFIX + periodEndMs + '|' + model;
    }

    public static String dailyField(String day, String metric, String model) {
        if (day.indexOf('|') >= 0) {
            throw new IllegalArgumentException("day must be YYYY-MM-DD: " + day);
        }
        return DAILY_PREFIX + day + '|' + metric + '|' + model;
    }

    /** The packed value of {@code requests} calls of which {@code successful} succeeded. */
    public static long requestsOk(long requests, long successful) {
        return requests * PACK + successful;
    }

    /** The requests part of a {@link #requestsOk} value (either part may be negative). */
    static long requestsOf(long packed) {
        return (packed - successfulOf(packed)) >> 32;
    }

    /** The successful part of a {@link #requestsOk} value, in [-2^31, 2^31). */
    static long successfulOf(long packed) {
        return ((packed + HALF) & (PACK - 1)) - HALF;
    }

    /** Every pending field a settle increments, in a fixed order, with its increment. */
    public static Map<String, Long> settleIncrements(SettleRequest r) {
        Map<String, Long> m = new TreeMap<>();
        m.put(dailyField(r.day(), REQUESTS_OK, r.model()), requestsOk(r.requests(), r.successfulRequests()));
        m.put(dailyField(r.day(), PROMPT, r.model()), r.promptTokens());
        m.put(dailyField(r.day(), COMPLETION, r.model()), r.completionTokens());
        m.put(dailyField(r.day(), SPEND, r.model()), r.costNanos());
        return m;
    }

    /** Sum of the period-spend fields. */
    public static long periodSpend(Map<String, Long> fields) {
        long sum = 0;
        for (Map.Entry<String, Long> e : fields.entrySet()) {
            if (e.getKey().startsWith(PERIOD_PREFIX)) {
                sum += e.getValue();
            }
        }
        return sum;
    }

    /** Decodes pending fields into a batch; unknown fields (e.g. the batch id) are ignored. */
    public static PendingBatch toBatch(String customerId, String batchId, Map<String, Long> fields) {
        List<PendingBatch.PeriodSpend> periods = new ArrayList<>();
        List<PendingBatch.ModelSpend> models = new ArrayList<>();
        Map<String, long[]> daily = new TreeMap<>(); // "day|model" -> req, ok, pt, ct, sp
        Map<String, String[]> dayModel = new TreeMap<>();
        for (Map.Entry<String, Long> e : fields.entrySet()) {
            String f = e.getKey();
            long v = e.getValue();
            if (f.startsWith(PERIOD_PREFIX)) {
                periods.add(new PendingBatch.PeriodSpend(Long.parseLong(f.substring(PERIOD_PREFIX.length())), v));
            } else if (f.startsWith(MODEL_PREFIX)) {
                int bar = f.indexOf('|');
                if (bar > 0 && v != 0) {
                    models.add(new PendingBatch.ModelSpend(
                            Long.parseLong(f.substring(MODEL_PREFIX.length(), bar)), f.substring(bar + 1), v));
                }
            } else if (f.startsWith(DAILY_PREFIX)) {
                int a = f.indexOf('|');
                int b = f.indexOf('|', a + 1);
                if (a < 0 || b < 0) {
                    continue;
                }
                String day = f.substring(DAILY_PREFIX.length(), a);
                String metric = f.substring(a + 1, b);
                String model = f.substring(b + 1);
                String key = day + '|' + model;
                dayModel.putIfAbsent(key, new String[] {day, model});
                long[] agg = daily.computeIfAbsent(key, k -> new long[5]);
                if (metric.equals(REQUESTS_OK)) {
                    agg[0] += requestsOf(v);
                    agg[1] += successfulOf(v);
                    continue;
                }
                int slot = metricSlot(metric);
                if (slot >= 0) {
                    agg[slot] += v;
                }
            }
        }
        periods.sort(Comparator.comparingLong(PendingBatch.PeriodSpend::periodEndMs));
        List<PendingBatch.DailyUsage> days = new ArrayList<>();
        for (Map.Entry<String, long[]> e : daily.entrySet()) {
            String[] dm = dayModel.get(e.getKey());
            long[] a = e.getValue();
            days.add(new PendingBatch.DailyUsage(dm[0], dm[1], a[0], a[1], a[2], a[3], a[4]));
        }
        models.sort(MODEL_ORDER);
        return new PendingBatch(customerId, batchId, List.copyOf(periods), List.copyOf(days), List.copyOf(models));
    }

    /** The order of {@link PendingBatch#modelSpend()} in a batch, whichever store made it. */
    static final Comparator<PendingBatch.ModelSpend> MODEL_ORDER = Comparator.comparingLong(
                    PendingBatch.ModelSpend::periodEndMs)
            .thenComparing(PendingBatch.ModelSpend::model);

    public static PendingBatch empty(String customerId) {
        return new PendingBatch(customerId, null, List.of(), List.of());
    }

    private static int metricSlot(String metric) {
        switch (metric) {
            case REQUESTS:
                return 0;
            case SUCCESSFUL:
                return 1;
            case PROMPT:
                return 2;
            case COMPLETION:
                return 3;
            case SPEND:
                return 4;
            default:
                return -1;
        }
    }
}
