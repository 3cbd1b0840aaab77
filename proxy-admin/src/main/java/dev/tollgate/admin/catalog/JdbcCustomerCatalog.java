package dev.tollgate.admin.catalog;

import com.github.benmanes.caffeine.cache.CacheLoader;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Interner;
import com.github.benmanes.caffeine.cache.LoadingCache;
import dev.tollgate.admin.db.JdbcExecutor;
import dev.tollgate.core.budget.BudgetDuration;
import dev.tollgate.core.budget.ModelBudgets;
import dev.tollgate.core.limits.CustomerLimits;
import dev.tollgate.core.limits.InvalidationBus;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link CustomerCatalog} on the database, with a bounded local cache in front (Caffeine).
 *
 * <p>A hit returns an already-completed future: one cache read of an immutable value, no I/O, no
 * lock. Values are interned, so the thousands of customers on one tier share one value and a
 * cached customer costs its key and a cache node. A miss loads on the {@link JdbcExecutor};
 * concurrent misses of one customer share one load, and loads asked for while another runs go out
 * together in one bulk read ({@link PolicyBatcher}). Customers the {@link KnownCustomers
 * directory} has never seen get the shared default policy without any per-customer entry.
 *
 * <p>The cache holds at most {@code maxEntries} customers; an evicted customer is loaded again on
 * its next call (a database read, never a wrong answer). Entries are dropped by
 * {@link #invalidate}/{@link #invalidateAll} (wired to the {@link InvalidationBus} with
 * {@link #subscribe}): the next request loads fresh data and waits for it, so an admin change is
 * enforced at once. Nothing else expires an entry by default: a policy changes only by such an
 * event, so a customer who calls once an hour costs no more than one who calls every second. With
 * a positive {@code refreshAfter} ({@code customer_cache_refresh_seconds}) entries are also
 * refreshed once that old (refresh-after-write): the stale entry is still served at once while one
 * background reload replaces it. When a reload fails (database down) the stale entry stays in use, so no request
 * waits for the database's connection timeout; only a customer never loaded before waits for the
 * database (and fails when it is down). After a failure, background reloads pause: one probe at a
 * time, at most one per {@link #RETRY_AFTER_FAILURE_MS}, and reloads queued meanwhile skip the
 * database, so a dead database cannot fill the JDBC executor. Failures are logged at most once a
 * minute.
 *
 * <p>When a cached budget period has ended, the next period end is computed from the cached
 * duration, with no I/O: periods are calendar-aligned, so every instance computes the same instant.
 */
public final class JdbcCustomerCatalog implements CustomerCatalog {
    /** Customers cached at most, unless configured otherwise. */
    public static final long DEFAULT_MAX_ENTRIES = 1_000_000;
    /** After a failed load, no background reload starts for this long (then one probe at a time). */
    static final long RETRY_AFTER_FAILURE_MS = 1_000;
    /** Failed background reloads are logged at most this often. */
    private static final long LOG_EVERY_MS = 60_000;

    private static final Logger LOG = LoggerFactory.getLogger(JdbcCustomerCatalog.class);

    private final JdbcExecutor executor;
    private final PolicyLoader loader;
    private final PolicyBatcher batcher;
    private final Clock clock;
    /** Age at which an entry is reloaded in the background; {@link Long#MAX_VALUE} = never. */
    private final long refreshAfterMs;

    private final LoadingCache<String, Entry> cache;
    private final Interner<Entry> entries = Interner.newWeakInterner();
    private final KnownCustomers known;
    /** The policy of every customer without a row, shared (no entry per unknown caller). */
    private final ConcurrentHashMap<String, CompletableFuture<Entry>> defaultPolicy = new ConcurrentHashMap<>();

    private final AtomicBoolean refreshingDefault = new AtomicBoolean();
    private final ConcurrentHashMap<String, CompletableFuture<Entry>> loading = new ConcurrentHashMap<>();
    /** Bumped by every invalidation; a load that started before one must not fill the cache. */
    private final AtomicLong generation = new AtomicLong();

    private final AtomicLong loads = new AtomicLong();
    private final AtomicLong reloadFailures = new AtomicLong();
    /** True from a failed load until the next successful one. */
    private volatile boolean failing;

    private volatile long nextProbeAtMs;
    private final AtomicBoolean probing = new AtomicBoolean();
    private final AtomicLong lastFailureLogMs = new AtomicLong(Long.MIN_VALUE);
    private final AtomicLong unloggedFailures = new AtomicLong();

    /**
     * @param defaultBudgetId {@code litellm_settings.max_end_user_budget_id}, or null
     * @param zone            {@code litellm_settings.timezone}, for calendar-aligned periods
     * @param refreshAfter    how long an entry is served before a background refresh; zero = only
     *                        events refresh it
     */
    public JdbcCustomerCatalog(
            DataSource dataSource,
            JdbcExecutor executor,
            String defaultBudgetId,
            ZoneId zone,
            Clock clock,
            Duration refreshAfter) {
        this(dataSource, executor, defaultBudgetId, zone, clock, refreshAfter, DEFAULT_MAX_ENTRIES);
    }

    /** @param maxEntries customers cached at most ({@code customer_cache_size}) */
    public JdbcCustomerCatalog(
            DataSource dataSource,
            JdbcExecutor executor,
            String defaultBudgetId,
            ZoneId zone,
            Clock clock,
            Duration refreshAfter,
            long maxEntries) {
        this.executor = executor;
        this.loader = new PolicyLoader(dataSource, defaultBudgetId, zone);
        this.batcher = new PolicyBatcher(executor, loader, () -> failing);
        this.clock = clock;
        this.refreshAfterMs = refreshAfter.isZero() ? Long.MAX_VALUE : refreshAfter.toMillis();
        this.known = new KnownCustomers(dataSource);
        Caffeine<Object, Object> builder = Caffeine.newBuilder().maximumSize(maxEntries);
        if (!refreshAfter.isZero()) {
            builder.refreshAfterWrite(refreshAfter).ticker(() -> TimeUnit.MILLISECONDS.toNanos(clock.millis()));
        }
        this.cache = builder.build(new Reloader());
    }

    /**
     * Caffeine's loader: only {@link #asyncReload} is used (misses are loaded by {@link #load}, which
     * never blocks the caller). A reload that backs off or fails completes with a
     * {@link CancellationException}, which Caffeine takes as "keep the stale value" without logging.
     */
    private final class Reloader implements CacheLoader<String, Entry> {
        @Override
        public Entry load(String key) {
            throw new UnsupportedOperationException("misses are loaded asynchronously");
        }

        @Override
        public CompletableFuture<Entry> asyncReload(String key, Entry oldValue, Executor ignored) {
            return JdbcCustomerCatalog.this.reload(key);
        }
    }

    /**
     * Loads the ids of all known customers and keeps them in sync, so callers without a row are
     * answered without database access. Without it every unknown caller costs a database read.
     */
    public void startCustomerDirectory(Duration syncInterval) {
        known.start(syncInterval.toMillis());
    }

    /** Whether the directory of known customers has loaded (tests, readiness). */
    public boolean customerDirectoryReady() {
        return known.ready();
    }

    /** Stops the directory's sync thread. */
    public void close() {
        known.close();
    }

    /** Drops the catalogue's entries on every message of the bus ({@link InvalidationBus#ALL} = all). */
    public static <C extends CustomerCatalog> C subscribe(InvalidationBus bus, C catalog) {
        bus.subscribe(message -> {
            if (InvalidationBus.ALL.equals(message)) {
                catalog.invalidateAll();
            } else {
                catalog.invalidate(message);
            }
        });
        return catalog;
    }

    /**
     * A cached policy without the customer's id (shared by every customer with the same one), and
     * what is needed to keep it current without I/O. Immutable; interned.
     */
    private record Entry(
            boolean known,
            boolean blocked,
            String budgetId,
            CustomerLimits limits,
            BudgetDuration duration,
            String allowedRegion,
            String defaultModel,
            ModelBudgets modelBudgets) {
        CustomerPolicy policy(String customerId) {
            return new CustomerPolicy(
                    customerId, known, blocked, budgetId, limits, allowedRegion, defaultModel, modelBudgets);
        }
    }

    private Entry entry(PolicyLoader.Loaded loaded) {
        CustomerPolicy p = loaded.policy();
        return entries.intern(new Entry(
                p.known(),
                p.blocked(),
                p.budgetId(),
                p.limits(),
                loaded.duration(),
                p.allowedRegion(),
                p.defaultModel(),
                p.modelBudgets()));
    }

    @Override
    public CompletionStage<CustomerPolicy> policy(String customerId, long nowMs) {
        Entry e = cache.getIfPresent(customerId);
        if (e != null) {
            return CompletableFuture.completedFuture(
                    current(customerId, e, nowMs).policy(customerId));
        }
        if (!known.mightExist(customerId)) {
            return defaultEntry(nowMs)
                    .thenApply(d -> current(DEFAULT_KEY, d, nowMs).policy(customerId));
        }
        return load(customerId, nowMs)
                .thenApply(loaded -> current(customerId, loaded, nowMs).policy(customerId));
    }

    @Override
    public CompletionStage<Ledger> ledger(String customerId, String batchId, long nowMs) {
        // Always the database: the directory of known customers lags by a sync, and a row a flush
        // created meanwhile must count (a seed that read it as empty would under-enforce the budget).
        return executor.submit(() -> loader.ledger(customerId, batchId, nowMs));
    }

    @Override
    public CompletionStage<Ledger> modelLedger(String customerId, String model, long periodEndMs, String batchId) {
        return executor.submit(() -> loader.modelLedger(customerId, model, periodEndMs, batchId));
    }

    @Override
    public void invalidate(String customerId) {
        // An admin write may just have created this customer (on any instance): from now on it
        // takes the database path until the directory's next sync confirms it either way.
        known.add(customerId);
        generation.incrementAndGet();
        cache.invalidate(customerId);
        loading.remove(customerId);
    }

    @Override
    public void invalidateAll() {
        generation.incrementAndGet();
        cache.invalidateAll();
        loading.clear();
        defaultPolicy.clear();
    }

    private static final String DEFAULT_KEY = "";

    /**
     * The shared default policy: loaded once, then refreshed in the background when it is older
     * than {@code refreshAfter} (the old one is served meanwhile, and kept if the database fails). Never per caller.
     */
    private CompletableFuture<Entry> defaultEntry(long nowMs) {
        CompletableFuture<Entry> f = defaultPolicy.get(DEFAULT_KEY);
        if (f == null || f.isCompletedExceptionally()) {
            CompletableFuture<Entry> fresh = new CompletableFuture<>();
            boolean mine = f == null
                    ? defaultPolicy.putIfAbsent(DEFAULT_KEY, fresh) == null
                    : defaultPolicy.replace(DEFAULT_KEY, f, fresh);
            if (!mine) {
                return defaultPolicy.getOrDefault(DEFAULT_KEY, fresh);
            }
            loadDefaultInto(fresh, null, nowMs);
            return fresh;
        }
        if (f.isDone()
                && clock.millis() - defaultLoadedAtMs >= refreshAfterMs
                && refreshingDefault.compareAndSet(false, true)) {
            CompletableFuture<Entry> next = new CompletableFuture<>();
            loadDefaultInto(next, f, nowMs);
        }
        return f;
    }

    private volatile long defaultLoadedAtMs;

    private void loadDefaultInto(CompletableFuture<Entry> target, CompletableFuture<Entry> previous, long nowMs) {
        loads.incrementAndGet();
        executor.submit(() -> loader.loadDefault(DEFAULT_KEY, nowMs)).whenComplete((loaded, error) -> {
            if (previous != null) {
                refreshingDefault.set(false);
            }
            if (error != null) {
                if (previous == null) {
                    defaultPolicy.remove(DEFAULT_KEY, target);
                }
                target.completeExceptionally(error);
                return;
            }
            defaultLoadedAtMs = clock.millis();
            target.complete(entry(loaded));
            if (previous != null) {
                defaultPolicy.replace(DEFAULT_KEY, previous, target);
            }
        });
    }

    /** Customers loaded from the database so far (cache misses and background reloads), for metrics and tests. */
    public long loadCount() {
        return loads.get();
    }

    /** Background reloads that failed (the stale entry was kept), for metrics and tests. */
    public long reloadFailures() {
        return reloadFailures.get();
    }

    /** Entries held now. */
    public long size() {
        cache.cleanUp();
        return cache.estimatedSize();
    }

    /** Background reloads in flight (tests wait on it). */
    int reloadsInFlight() {
        return cache.policy().refreshes().size();
    }

    private CompletableFuture<Entry> load(String customerId, long nowMs) {
        long gen = generation.get();
        CompletableFuture<Entry> mine = new CompletableFuture<>();
        CompletableFuture<Entry> shared = loading.putIfAbsent(customerId, mine);
        if (shared != null) {
            return shared;
        }
        loads.incrementAndGet();
        batcher.load(customerId, nowMs, false).whenComplete((loaded, error) -> {
            if (error != null) {
                markFailing();
                loading.remove(customerId, mine);
                // Not cached: the next request tries again.
                mine.completeExceptionally(error);
                return;
            }
            failing = false;
            Entry entry = entry(loaded);
            // Cache before leaving the loading map, so no request falls between the two and loads again.
            // The generation is checked under the key's lock: an invalidation bumps it before
            // removing the key, so either it sees this entry and removes it, or this sees the bump.
            cache.asMap().compute(customerId, (k, old) -> generation.get() == gen ? entry : old);
            loading.remove(customerId, mine);
            mine.complete(entry);
        });
        return mine;
    }

    /**
     * One background reload of a stale entry, unless the database failed recently (then only one
     * probe at a time, after {@link #RETRY_AFTER_FAILURE_MS}). Caffeine runs at most one per key and
     * keeps serving the stale entry meanwhile; it installs the result unless the entry was
     * invalidated since.
     */
    private CompletableFuture<Entry> reload(String customerId) {
        boolean probe = failing;
        if (probe && (clock.millis() < nextProbeAtMs || !probing.compareAndSet(false, true))) {
            return CompletableFuture.failedFuture(new CancellationException("database failing; backing off"));
        }
        loads.incrementAndGet();
        CompletableFuture<Entry> result = new CompletableFuture<>();
        batcher.load(customerId, clock.millis(), !probe).whenComplete((loaded, error) -> {
            if (probe) {
                probing.set(false);
            }
            if (error != null) {
                markFailing();
                logReloadFailure(customerId, error);
                CancellationException keepStale = new CancellationException("reload failed: " + error);
                keepStale.initCause(error);
                result.completeExceptionally(keepStale);
                // Counted once Caffeine has let go of the reload (it did, synchronously, above).
                reloadFailures.incrementAndGet();
                return;
            }
            if (loaded == null) {
                // Skipped: queued before the database was found failing.
                result.completeExceptionally(new CancellationException("skipped while the database fails"));
                return;
            }
            failing = false;
            result.complete(entry(loaded));
        });
        return result;
    }

    private void markFailing() {
        failing = true;
        nextProbeAtMs = clock.millis() + RETRY_AFTER_FAILURE_MS;
    }

    private void logReloadFailure(String customerId, Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        long now = clock.millis();
        long last = lastFailureLogMs.get();
        long suppressed = unloggedFailures.incrementAndGet();
        if ((last == Long.MIN_VALUE || now - last >= LOG_EVERY_MS) && lastFailureLogMs.compareAndSet(last, now)) {
            unloggedFailures.addAndGet(-suppressed);
            LOG.warn(
                    "Customer policy reload failed ({} failure(s) since the last report, latest for customer {}): {};"
                            + " serving cached policies until the database answers",
                    suppressed,
                    customerId,
                    cause.toString());
        }
    }

    /** The entry with its period end rolled forward when the cached one has passed (no I/O). */
    private Entry current(String customerId, Entry e, long nowMs) {
        CustomerLimits l = e.limits();
        if (e.duration() == null || l.periodEndMs() == 0 || nowMs < l.periodEndMs()) {
            return e;
        }
        long next = e.duration()
                .nextReset(Instant.ofEpochMilli(nowMs), loader.zone())
                .toEpochMilli();
        Entry rolled = entries.intern(new Entry(
                e.known(),
                e.blocked(),
                e.budgetId(),
                l.withPeriodEnd(next),
                e.duration(),
                e.allowedRegion(),
                e.defaultModel(),
                e.modelBudgets()));
        if (!DEFAULT_KEY.equals(customerId)) {
            // Only replaces the very entry we read, so a concurrent invalidation or reload wins.
            cache.asMap().replace(customerId, e, rolled);
        }
        return rolled;
    }
}
