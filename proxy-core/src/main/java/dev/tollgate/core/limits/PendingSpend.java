package dev.tollgate.core.limits;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A customer's spend not yet persisted, in the in-process store: the same content as the Redis
 * pending hash ({@link PendingFields}), held in plain fields. Almost every customer has one budget
 * period and one day/model between two flushes, so that case costs two small objects instead of a
 * hash map of six boxed, string-keyed entries (about 120 bytes instead of about 800), which is what
 * lets an instance hold a million customers. Not thread-safe: guarded by the customer's monitor.
 */
final class PendingSpend {
    private boolean hasPeriod;
    private long period;
    private long periodSpend;
    /** Further periods (a rollover between two flushes); null almost always. */
    private TreeMap<Long, Long> morePeriods;

    /** Model-entry spend by {@link PendingFields#modelField} name; null unless the customer has model budgets. */
    private TreeMap<String, Long> modelSpend;

    private Daily first;
    /** Further day/model aggregates; null almost always. */
    private List<Daily> more;

    /** One customer, day and model. */
    private static final class Daily {
        final String day;
        final String model;
        long requests;
        long successful;
        long prompt;
        long completion;
        long spend;

        Daily(String day, String model) {
            this.day = day;
            this.model = model;
        }
    }

    boolean isEmpty() {
        return !hasPeriod && morePeriods == null && first == null && modelSpend == null;
    }

    void addPeriod(long periodEnd, long nanos) {
        if (!hasPeriod) {
            hasPeriod = true;
            period = periodEnd;
            periodSpend = nanos;
        } else if (period == periodEnd) {
            periodSpend += nanos;
        } else {
            if (morePeriods == null) {
                morePeriods = new TreeMap<>();
            }
            morePeriods.merge(periodEnd, nanos, Long::sum);
        }
    }

    void addModel(long periodEnd, String model, long nanos) {
        if (modelSpend == null) {
            modelSpend = new TreeMap<>();
        }
        modelSpend.merge(PendingFields.modelField(periodEnd, model), nanos, Long::sum);
    }

    /** Spend pending for one model entry and period end (0 when none). */
    long modelSpend(long periodEnd, String model) {
        return modelSpend == null ? 0 : modelSpend.getOrDefault(PendingFields.modelField(periodEnd, model), 0L);
    }

    /** Spend pending for one period end (0 when none). */
    long periodSpend(long periodEnd) {
        if (hasPeriod && period == periodEnd) {
            return periodSpend;
        }
        return morePeriods == null ? 0 : morePeriods.getOrDefault(periodEnd, 0L);
    }

    long totalPeriodSpend() {
        long sum = hasPeriod ? periodSpend : 0;
        if (morePeriods != null) {
            for (long v : morePeriods.values()) {
                sum += v;
            }
        }
        return sum;
    }

    /** Adds (or, with {@code sign} −1, takes back) the daily increments of one settle. */
    void addSettle(SettleRequest r, int sign) {
        Daily d = daily(r.day(), r.model());
        d.requests += sign * r.requests();
        d.successful += sign * r.successfulRequests();
        d.prompt += sign * r.promptTokens();
        d.completion += sign * r.completionTokens();
        d.spend += sign * r.costNanos();
    }

    private Daily daily(String day, String model) {
        if (first == null) {
            first = new Daily(Canonical.day(day), Canonical.model(model));
            return first;
        }
        if (first.day.equals(day) && first.model.equals(model)) {
            return first;
        }
        if (more == null) {
            more = new ArrayList<>(2);
        }
        for (Daily d : more) {
            if (d.day.equals(day) && d.model.equals(model)) {
                return d;
            }
        }
        Daily d = new Daily(Canonical.day(day), Canonical.model(model));
        more.add(d);
        return d;
    }

    /** As {@link PendingFields#toBatch}: periods by period end, days by "day|model". */
    PendingBatch toBatch(String customerId, String batchId) {
        List<PendingBatch.PeriodSpend> periods = new ArrayList<>(1);
        if (hasPeriod) {
            periods.add(new PendingBatch.PeriodSpend(period, periodSpend));
        }
        if (morePeriods != null) {
            for (Map.Entry<Long, Long> e : morePeriods.entrySet()) {
                periods.add(new PendingBatch.PeriodSpend(e.getKey(), e.getValue()));
            }
            periods.sort(Comparator.comparingLong(PendingBatch.PeriodSpend::periodEndMs));
        }
        List<Daily> all = new ArrayList<>(1);
        if (first != null) {
            all.add(first);
        }
        if (more != null) {
            all.addAll(more);
            all.sort(Comparator.comparing(d -> d.day + '|' + d.model));
        }
        List<PendingBatch.DailyUsage> days = new ArrayList<>(all.size());
        for (Daily d : all) {
            days.add(new PendingBatch.DailyUsage(
                    d.day, d.model, d.requests, d.successful, d.prompt, d.completion, d.spend));
        }
        PendingBatch models = modelSpend == null
                ? null
                : PendingFields.toBatch(customerId, batchId, java.util.Map.copyOf(modelSpend));
        return new PendingBatch(
                customerId,
                batchId,
                List.copyOf(periods),
                List.copyOf(days),
                models == null ? List.of() : models.modelSpend());
    }

    /**
     * One shared instance of the day and model strings, which every customer's aggregate of the
     * same day and model would otherwise hold a copy of. A small cache: days change once a day, and
     * models are few; anything beyond it is kept as given.
     */
    static final class Canonical {
        private static final int MAX_MODELS = 1024;
        private static volatile String lastDay = "";
        private static final java.util.concurrent.ConcurrentHashMap<String, String> MODELS =
                new java.util.concurrent.ConcurrentHashMap<>();

        private Canonical() {}

        static String day(String day) {
            String last = lastDay;
            if (last.equals(day)) {
                return last;
            }
            lastDay = day;
            return day;
        }

        static String model(String model) {
            String known = MODELS.get(model);
            if (known != null) {
                return known;
            }
            if (MODELS.size() < MAX_MODELS) {
                String prev = MODELS.putIfAbsent(model, model);
                return prev != null ? prev : model;
            }
            return model;
        }
    }
}
