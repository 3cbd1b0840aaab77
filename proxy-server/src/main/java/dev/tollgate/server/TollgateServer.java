package dev.tollgate.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.admin.api.AdminApi;
import dev.tollgate.admin.api.AdminSettings;
import dev.tollgate.admin.catalog.JdbcCustomerCatalog;
import dev.tollgate.admin.db.Database;
import dev.tollgate.admin.db.JdbcExecutor;
import dev.tollgate.admin.export.SpendExport;
import dev.tollgate.admin.overview.OverviewRepository;
import dev.tollgate.admin.reconcile.SpendReconciler;
import dev.tollgate.admin.spend.BudgetResetJob;
import dev.tollgate.admin.spend.SpendFlusher;
import dev.tollgate.admin.spend.SpendJournal;
import dev.tollgate.admin.spend.SpendRepository;
import dev.tollgate.admin.webhook.WebhookConfig;
import dev.tollgate.admin.webhook.Webhooks;
import dev.tollgate.core.config.ConfigException;
import dev.tollgate.core.config.GeneralSettings;
import dev.tollgate.core.config.RouterSettings;
import dev.tollgate.core.config.TollgateConfig;
import dev.tollgate.core.json.Json;
import dev.tollgate.core.limits.InProcessLimitStore;
import dev.tollgate.core.limits.InvalidationBus;
import dev.tollgate.core.limits.LeaseBook;
import dev.tollgate.core.limits.LimitStore;
import dev.tollgate.core.limits.LocalInvalidationBus;
import dev.tollgate.core.limits.SettleBatcher;
import dev.tollgate.core.limits.redis.RedisCooldowns;
import dev.tollgate.core.limits.redis.RedisDeploymentUsage;
import dev.tollgate.core.limits.redis.RedisEndpoint;
import dev.tollgate.core.limits.redis.RedisInvalidationBus;
import dev.tollgate.core.limits.redis.RedisLimitStore;
import dev.tollgate.core.limits.redis.RedisLoopResources;
import dev.tollgate.core.money.Money;
import dev.tollgate.core.routing.Cooldowns;
import dev.tollgate.core.routing.DeploymentUsage;
import dev.tollgate.core.routing.InProcessCooldowns;
import dev.tollgate.core.routing.InProcessDeploymentUsage;
import dev.tollgate.core.usage.CallListener;
import dev.tollgate.server.admin.AdminRoute;
import dev.tollgate.server.admin.ReconcileRoute;
import dev.tollgate.server.admin.SpendExportRoute;
import dev.tollgate.server.auth.MasterKeyAuth;
import dev.tollgate.server.http.HealthRoutes;
import dev.tollgate.server.http.InFlight;
import dev.tollgate.server.http.Router;
import dev.tollgate.server.http.ServerInitializer;
import dev.tollgate.server.metrics.MetricsRoute;
import dev.tollgate.server.metrics.ProxyMetrics;
import dev.tollgate.server.proxy.Admission;
import dev.tollgate.server.proxy.DeploymentSelector;
import dev.tollgate.server.proxy.ProxyBudget;
import dev.tollgate.server.proxy.ProxyRoutes;
import dev.tollgate.server.proxy.Settlement;
import dev.tollgate.server.ui.OverviewRoute;
import dev.tollgate.server.ui.StaticUiRoute;
import dev.tollgate.server.upstream.UpstreamClient;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires core, admin and the Netty front into one running proxy, in named steps (storage, event
 * loops, limit store, catalogue, spend pipeline, routes, bind), and takes it down in a fixed
 * order (see {@link #stop()}). A start that fails at any step closes what the earlier steps
 * opened and throws a {@link StartupException} with one line for the operator.
 */
public final class TollgateServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TollgateServer.class);

    /** Database connections: the JDBC threads plus the flusher, the journal and the background jobs. */
    static final int DATABASE_POOL_SIZE = 10;
    /** Threads that run JDBC for the call path and the admin API (never an event loop). */
    static final int JDBC_THREADS = 8;
    /** How often the directory of known customer ids is brought up to date. */
    static final Duration CUSTOMER_DIRECTORY_SYNC = Duration.ofSeconds(5);
    /** Settles kept in memory while the limit store is unreachable before they go to the database at once. */
    static final int JOURNAL_CAPACITY = 100_000;
    /** How often journaled settles are re-sent to the limit store. */
    static final Duration JOURNAL_RETRY_INTERVAL = Duration.ofMillis(250);
    /** A settle the store has not taken for this long is written straight to the database. */
    static final Duration JOURNAL_PERSIST_AFTER = Duration.ofSeconds(2);
    /** How often the budget reset job moves due budgets' reset dates forward. */
    static final Duration BUDGET_RESET_INTERVAL = Duration.ofSeconds(10);
    /** Command timeout of the invalidation bus's Redis connection (publishes are off the call path). */
    static final Duration BUS_COMMAND_TIMEOUT = Duration.ofSeconds(2);
    /** Worker event loops: one per core, at least two. */
    static final int MIN_IO_THREADS = 2;
    /** Connections the kernel queues for accept while the boss loop is busy. */
    static final int ACCEPT_BACKLOG = 1024;
    /**
     * A client connection stops being writable above the high mark and is writable again below
     * the low one; a relay pauses its upstream meanwhile (back-pressure for slow readers).
     */
    static final int WRITE_BUFFER_LOW_BYTES = 64 * 1024;

    static final int WRITE_BUFFER_HIGH_BYTES = 256 * 1024;
    /** How often the drain looks for connections still busy with a call. */
    static final long DRAIN_POLL_MS = 50;
    /** After the drain: how long closing the remaining client connections may take. */
    static final Duration CLOSE_CLIENTS_TIMEOUT = Duration.ofSeconds(5);
    /** Event loops get this long to finish their queued tasks when stopped. */
    static final Duration LOOP_SHUTDOWN_TIMEOUT = Duration.ofSeconds(2);
    /** Bounds the look at what is left pending after the final flush (the store may be down). */
    static final Duration LEFTOVER_CHECK_TIMEOUT = Duration.ofSeconds(5);
    /** At most this many customers are looked at for the stop report. */
    static final int LEFTOVER_CHECK_MAX_CUSTOMERS = 100_000;

    private final TollgateConfig config;
    /** The wall clock of budgets, windows and jobs (a test may move it). */
    private final Clock clock;

    private final OpenedResources opened = new OpenedResources();
    private final ChannelGroup clients = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);

    private final Storage storage;
    private final EventLoops loops;
    private final Limits limits;
    private final JdbcCustomerCatalog catalog;
    private final SpendPipeline spend;
    private final Webhooks webhooks;
    private final ProxyMetrics metrics;
    private final Channel serverChannel;
    private volatile StopReport stopped;
    /** Folds settles per customer ({@code settle_batch_ms} on Redis); null when off. */
    private SettleBatcher settleBatches;
    /** This instance's slices of quota ({@code lease_slice_ms} on Redis); null when off. */
    private LeaseBook leases;

    /** The database and the threads that may block on it. */
    private record Storage(Database database, JdbcExecutor jdbc, DatabaseStartup startup) {}

    /** The accepting loop and the worker loops that carry client, upstream and Redis channels. */
    private record EventLoops(NetTransport transport, EventLoopGroup boss, EventLoopGroup workers) {}

    /** Counters and the invalidation bus, in-process or on Redis; {@code description} for the log. */
    /** @param deploymentUsage deployment rpm/tpm counters; null unless routing_strategy is usage-based-routing-v2 */
    private record Limits(
            LimitStore store,
            InvalidationBus bus,
            Cooldowns cooldowns,
            DeploymentUsage deploymentUsage,
            boolean redis,
            String description) {}

    /**
     * Spend on its way to the database: the flusher, the reconciler that keeps the store's spend
     * equal to the ledger plus pending, the outage journal, the budget reset job.
     */
    private record SpendPipeline(
            SpendFlusher flusher, SpendReconciler reconciler, SpendJournal journal, BudgetResetJob resetJob) {}

    /** What a start needs besides the config. */
    public record Options(String host, int port, Path dataDir, String configSource) {}

    private TollgateServer(TollgateConfig config, Options options, int ioThreads, Clock clock) throws StartupException {
        this.config = config;
        this.clock = clock;
        try {
            this.storage = openStorage(options.dataDir());
            this.loops = openEventLoops(ioThreads);
            this.limits = openLimitStore();
            this.catalog = openCatalogue();
            this.spend = openSpendPipeline();
            this.webhooks = openWebhooks();
            this.metrics = opened.add(
                    "metrics",
                    new ProxyMetrics(config.litellm(), config.general().masterKey(), clock));
            ProxyParts parts = buildProxy();
            Router router = buildRoutes(parts);
            this.serverChannel = bind(router, options.host(), options.port());
            startBackgroundWork(parts);
        } catch (StartupException e) {
            opened.closeAll();
            throw e;
        } catch (ConfigException e) {
            opened.closeAll();
            throw StartupException.config(e.getMessage(), e);
        } catch (Exception | Error e) {
            opened.closeAll();
            throw StartupException.cannotStart("could not start: " + Failures.oneLine(e), e);
        }
        StartupLog.print(new StartupLog.Facts(
                Version.VALUE,
                options.configSource(),
                storage.database().description(),
                limits.description(),
                masterKeySet(),
                options.host(),
                port(),
                loops.transport().name(),
                StartupLog.modelNames(config)));
    }

    /** Starts a proxy; {@code port} 0 picks a free one. */
    public static TollgateServer start(TollgateConfig config, String host, int port, Path dataDir)
            throws StartupException {
        return start(config, new Options(host, port, dataDir, "(given in code)"));
    }

    /** As {@link #start(TollgateConfig, String, int, Path)}, with the wall clock of budgets, windows and jobs. */
    public static TollgateServer start(TollgateConfig config, String host, int port, Path dataDir, Clock clock)
            throws StartupException {
        return start(config, new Options(host, port, dataDir, "(given in code)"), clock);
    }

    /** Starts a proxy; {@code options.port()} 0 picks a free one. */
    public static TollgateServer start(TollgateConfig config, Options options) throws StartupException {
        return start(config, options, Clock.systemUTC());
    }

    /** As {@link #start(TollgateConfig, Options)}, with the wall clock of budgets, windows and jobs. */
    public static TollgateServer start(TollgateConfig config, Options options, Clock clock) throws StartupException {
        int threads = Math.max(MIN_IO_THREADS, Runtime.getRuntime().availableProcessors());
        return new TollgateServer(config, options, threads, clock);
    }

    // ---- build steps, in order -------------------------------------------------------------

    /** The database (embedded H2 under {@code dataDir}, or PostgreSQL), migrated and checked. */
    private Storage openStorage(Path dataDir) throws StartupException {
        GeneralSettings general = config.general();
        boolean embedded =
                general.databaseUrl() == null || general.databaseUrl().isBlank();
        if (embedded) {
            prepareDataDir(dataDir);
        }
        Database database;
        try {
            database = opened.add("database", Database.open(general.databaseUrl(), dataDir, DATABASE_POOL_SIZE));
        } catch (IllegalArgumentException e) {
            throw StartupException.config("general_settings." + e.getMessage(), e);
        }
        DatabaseStartup startup = opened.add(
                "database startup",
                DatabaseStartup.run(database, config.litellm().maxEndUserBudgetId()));
        JdbcExecutor jdbc = opened.add("jdbc threads", new JdbcExecutor(JDBC_THREADS));
        return new Storage(database, jdbc, startup);
    }

    private static void prepareDataDir(Path dataDir) throws StartupException {
        Path dir = dataDir.toAbsolutePath();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw StartupException.cannotStart(
                    "cannot create the data directory " + dir + " (--data-dir): " + Failures.oneLine(e), e);
        }
        if (!Files.isWritable(dir)) {
            throw StartupException.cannotStart("the data directory " + dir + " (--data-dir) is not writable", null);
        }
    }

    /** The loops exist before the Redis clients, which run their channels on the worker loops. */
    private EventLoops openEventLoops(int ioThreads) {
        NetTransport transport = NetTransport.detect();
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(
                1, new DefaultThreadFactory("tollgate-accept"), transport.ioHandlerFactory());
        opened.add("accept loop", new LoopGroup(boss));
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(
                ioThreads, new DefaultThreadFactory("tollgate-io"), transport.ioHandlerFactory());
        opened.add("worker loops", new LoopGroup(workers));
        return new EventLoops(transport, boss, workers);
    }

    /**
     * In-process counters, or Redis: one connection per worker loop, so a call's admit and settle
     * go out on its own loop's connection and complete there. Connecting blocks this (main)
     * thread, never a loop; an unreachable Redis fails the start.
     */
    private Limits openLimitStore() throws StartupException {
        GeneralSettings general = config.general();
        String url = general.redisUrl();
        if (url == null || url.isBlank()) {
            RouterSettings router = config.router();
            return new Limits(
                    opened.add("limit store", new InProcessLimitStore()),
                    opened.add("invalidation bus", new LocalInvalidationBus()),
                    router.cooldowns()
                            ? new InProcessCooldowns(router.allowedFails(), router.cooldownTime())
                            : Cooldowns.NONE,
                    usageBased() ? new InProcessDeploymentUsage() : null,
                    false,
                    StartupLog.describeLimitStore(null));
        }
        try {
            RedisLoopResources redisLoops = opened.add("redis loop resources", new RedisLoopResources(loops.workers()));
            LimitStore store = opened.add(
                    "limit store",
                    RedisLimitStore.connect(url, general.redisCommandTimeout(), general.redisKeyPrefix(), redisLoops));
            RedisEndpoint busClient = opened.add(
                    "invalidation bus client", RedisEndpoint.failFast(url, BUS_COMMAND_TIMEOUT, redisLoops.shared()));
            InvalidationBus bus =
                    opened.add("invalidation bus", new RedisInvalidationBus(busClient, general.redisKeyPrefix()));
            RouterSettings router = config.router();
            Cooldowns cooldowns = router.cooldowns()
                    ? opened.add(
                            "cooldowns",
                            new RedisCooldowns(
                                    busClient,
                                    general.redisKeyPrefix(),
                                    router.allowedFails(),
                                    router.cooldownTime(),
                                    clock))
                    : Cooldowns.NONE;
            // Only usage-based-routing-v2 counts deployment calls: other strategies send no command for it.
            // Its commands are on the call path: they time out as the limit store's do.
            DeploymentUsage deploymentUsage = null;
            if (usageBased()) {
                RedisEndpoint usageClient = opened.add(
                        "deployment usage client",
                        RedisEndpoint.failFast(url, general.redisCommandTimeout(), redisLoops.shared()));
                deploymentUsage =
                        opened.add("deployment usage", new RedisDeploymentUsage(usageClient, general.redisKeyPrefix()));
            }
            return new Limits(store, bus, cooldowns, deploymentUsage, true, StartupLog.describeLimitStore(url));
        } catch (IllegalArgumentException e) {
            throw StartupException.config("general_settings.redis_url: " + Failures.oneLine(e), e);
        } catch (RuntimeException e) {
            throw StartupException.cannotStart(
                    "cannot connect to Redis at " + StartupLog.redisTarget(url) + ": " + Failures.socketReason(e), e);
        }
    }

    private boolean usageBased() {
        return config.general().usageBasedRouting();
    }

    /** Customer policies cached for the call path, dropped by the bus on every admin change. */
    private JdbcCustomerCatalog openCatalogue() {
        var litellm = config.litellm();
        JdbcCustomerCatalog catalog = new JdbcCustomerCatalog(
                storage.database().dataSource(),
                storage.jdbc(),
                litellm.maxEndUserBudgetId(),
                litellm.timezone(),
                clock,
                config.general().scale().customerCacheRefresh(),
                config.general().scale().customerCacheSize());
        opened.add("customer catalogue", catalog::close);
        catalog.startCustomerDirectory(CUSTOMER_DIRECTORY_SYNC);
        return JdbcCustomerCatalog.subscribe(limits.bus(), catalog);
    }

    private SpendPipeline openSpendPipeline() {
        var general = config.general();
        var litellm = config.litellm();
        SpendRepository repository = new SpendRepository(
                storage.database().dataSource(), general.scale().spendBatchRetention());
        SpendFlusher flusher = opened.add(
                "spend flusher",
                new SpendFlusher(
                        limits.store(),
                        repository,
                        general.batchWriteInterval(),
                        general.scale().spendFlushMaxInterval(),
                        clock));
        SpendReconciler reconciler = opened.add(
                "spend reconciler",
                new SpendReconciler(catalog, limits.store(), general.spendReconcileInterval(), clock));
        SpendJournal journal = opened.add(
                "spend journal",
                new SpendJournal(
                        limits.store(),
                        repository,
                        reconciler,
                        JOURNAL_CAPACITY,
                        JOURNAL_RETRY_INTERVAL,
                        JOURNAL_PERSIST_AFTER,
                        clock));
        BudgetResetJob resetJob = opened.add(
                "budget reset job",
                new BudgetResetJob(
                        storage.database().dataSource(),
                        limits.bus(),
                        litellm.maxEndUserBudgetId(),
                        litellm.timezone(),
                        clock,
                        BUDGET_RESET_INTERVAL));
        return new SpendPipeline(flusher, reconciler, journal, resetJob);
    }

    /** The webhook outbox and delivery, or null when webhook alerting is off. */
    private Webhooks openWebhooks() {
        WebhookConfig webhookConfig = WebhookConfig.from(config.general());
        if (webhookConfig == null) {
            return null;
        }
        return opened.add(
                "webhooks", new Webhooks(webhookConfig, storage.database().dataSource(), storage.jdbc(), clock));
    }

    /** The call path's parts: who may call, what a call may spend, how it is settled and sent on. */
    private record ProxyParts(
            MasterKeyAuth auth,
            DeploymentSelector deployments,
            Admission admission,
            Settlement settlement,
            UpstreamClient upstreams) {}

    private ProxyParts buildProxy() {
        var general = config.general();
        long sliceMs = general.scale().leaseSliceMs();
        if (sliceMs > 0 && limits.redis()) {
            leases = new LeaseBook(limits.store(), sliceMs);
            LeaseBook book = leases;
            // One sweep for all slices (never a timer per slice): idle ones and past windows go back.
            loops.workers().next().scheduleAtFixedRate(() -> book.sweep(clock.millis()), 1, 1, TimeUnit.SECONDS);
        }
        Admission admission = new Admission(
                catalog,
                limits.store(),
                spend.reconciler(),
                general.failOpen(),
                general.budgetExceededStatus(),
                metrics,
                config.reservationTtl().toMillis(),
                leases);
        List<CallListener> listeners = webhooks == null ? List.of(metrics) : List.of(metrics, webhooks);
        long batchMs = general.scale().settleBatchMs();
        if (batchMs > 0 && limits.redis()) {
            // Flushes run on a worker loop, so their Redis commands use that loop's connection.
            settleBatches =
                    Settlement.batcher(limits.store(), batchMs, loops.workers().next(), spend.journal());
        }
        Settlement settlement = new Settlement(
                limits.store(), general.tokenRateLimitType(), listeners, spend.journal(), clock, settleBatches);
        return new ProxyParts(
                new MasterKeyAuth(general.masterKey()),
                new DeploymentSelector(config),
                admission,
                settlement,
                new UpstreamClient(general.connectTimeout(), loops.transport().socketChannel()));
    }

    /** LiteLLM's proxy-wide budget on the same limit store as customers, or null when none is configured. */
    private ProxyBudget proxyBudget() {
        if (!config.proxyBudget().enabled()) {
            return null;
        }
        var general = config.general();
        return new ProxyBudget(
                limits.store(),
                config.proxyBudget(),
                config.litellm().timezone(),
                general.budgetExceededStatus(),
                general.failOpen(),
                config.reservationTtl().toMillis(),
                metrics::refusal);
    }

    private Router buildRoutes(ProxyParts parts) {
        var general = config.general();
        var litellm = config.litellm();
        Database database = storage.database();
        Router router = new Router();
        ProxyBudget proxyBudget = proxyBudget();
        ProxyRoutes.register(
                router,
                config,
                parts.auth(),
                parts.deployments(),
                parts.admission(),
                parts.settlement(),
                parts.upstreams(),
                limits.cooldowns(),
                limits.deploymentUsage(),
                proxyBudget,
                clock);
        HealthRoutes.register(router, this::readiness);
        MetricsRoute metricsRoute = new MetricsRoute(metrics);
        router.add(HttpMethod.GET, "/metrics", metricsRoute);
        router.add(HttpMethod.GET, "/metrics/", metricsRoute);
        router.add(HttpMethod.POST, "/tollgate/reconcile", new ReconcileRoute(parts.auth(), spend.reconciler()));
        AdminApi adminApi = new AdminApi(
                database.dataSource(),
                limits.store(),
                limits.bus(),
                new AdminSettings(parts.deployments().modelNames(), litellm.timezone(), litellm.maxEndUserBudgetId()),
                clock);
        router.addOwner(AdminApi::handles, new AdminRoute(parts.auth(), adminApi, storage.jdbc()));
        router.add(
                HttpMethod.GET,
                "/tollgate/customers.csv",
                new SpendExportRoute(parts.auth(), new SpendExport(database.dataSource()), storage.jdbc(), clock));
        router.addOwner(path -> path.equals("/ui") || path.startsWith("/ui/"), new StaticUiRoute());
        router.add(
                HttpMethod.GET,
                "/tollgate/overview",
                new OverviewRoute(
                        parts.auth(),
                        new OverviewRoute.Sources(
                                new OverviewRepository(database.dataSource(), clock),
                                storage.jdbc(),
                                database.embedded() ? "embedded H2" : "postgresql",
                                limits.store(),
                                limits.store().kind().label(),
                                spend.flusher()::lastSuccessfulFlushMs,
                                spend.flusher()::pendingBatchesFailed,
                                general.batchWriteInterval(),
                                metrics.registry(),
                                clock,
                                Version.VALUE,
                                proxyBudget)));
        return router;
    }

    /** Listens on {@code host:port}; a port in use or an address not on this machine fails the start. */
    private Channel bind(Router router, String host, int port) throws StartupException {
        var general = config.general();
        InetSocketAddress address = new InetSocketAddress(host, port);
        if (address.isUnresolved()) {
            throw StartupException.cannotStart("cannot listen on " + host + ":" + port + ": unknown host", null);
        }
        ServerInitializer initializer = new ServerInitializer(
                router,
                (int) general.maxRequestBodyBytes(),
                general.clientIdleTimeout().toSeconds(),
                clients);
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(loops.boss(), loops.workers())
                .channel(loops.transport().serverChannel())
                .option(ChannelOption.SO_BACKLOG, ACCEPT_BACKLOG)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childOption(
                        ChannelOption.WRITE_BUFFER_WATER_MARK,
                        new WriteBufferWaterMark(WRITE_BUFFER_LOW_BYTES, WRITE_BUFFER_HIGH_BYTES))
                .childHandler(initializer);
        var bound = bootstrap.bind(address).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            throw StartupException.cannotStart(
                    "cannot listen on " + host + ":" + port + ": " + Failures.socketReason(bound.cause()),
                    bound.cause());
        }
        return opened.add("listener", new Listener(bound.channel())).channel();
    }

    private void startBackgroundWork(ProxyParts parts) {
        metrics.bindRuntime(new ProxyMetrics.Runtime(
                limits.store(),
                spend.flusher(),
                parts.settlement(),
                parts.admission(),
                webhooks,
                loops.workers(),
                storage.jdbc()));
        metrics.bindReconciliation(spend.reconciler());
        metrics.bindCooldowns(limits.cooldowns(), config.models());
        spend.flusher().start();
        spend.reconciler().start();
        spend.resetJob().start();
        if (webhooks != null) {
            webhooks.start();
        }
    }

    // ---- running ---------------------------------------------------------------------------

    public int port() {
        return ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    public ProxyMetrics metrics() {
        return metrics;
    }

    /** The webhook pipeline, or null when webhook alerting is off. */
    public Webhooks webhooks() {
        return webhooks;
    }

    /** Folds settles per customer ({@code settle_batch_ms} on Redis); null when settles are not folded. */
    public SettleBatcher settleBatches() {
        return settleBatches;
    }

    /** This instance's slices of quota ({@code lease_slice_ms} on Redis); null when off. */
    public LeaseBook leases() {
        return leases;
    }

    public SpendFlusher flusher() {
        return spend.flusher();
    }

    /** Settles the limit store did not confirm (Redis outage), replayed or persisted by the journal. */
    public SpendJournal journal() {
        return spend.journal();
    }

    /** The job that starts new budget periods in the database. */
    public BudgetResetJob budgetResets() {
        return spend.resetJob();
    }

    /** Keeps the limit store's spend equal to the ledger plus pending spend. */
    public SpendReconciler reconciler() {
        return spend.reconciler();
    }

    private boolean masterKeySet() {
        String key = config.general().masterKey();
        return key != null && !key.isBlank();
    }

    private ObjectNode readiness() {
        Database database = storage.database();
        ObjectNode n = Json.MAPPER.createObjectNode();
        // A stuck flush (pending spend piling up, the database refusing or away) shows here; the
        // proxy still serves calls, so the answer stays 200.
        boolean flushStuck = spend.flusher().stuck(clock.millis());
        n.put("status", flushStuck ? "degraded" : "healthy");
        n.put("spend_flush", flushStuck ? "stuck" : "ok");
        n.put("spend_quarantined_batches", spend.flusher().unresolvedQuarantinedBatches());
        n.put("db", database.embedded() ? "embedded" : "postgresql");
        n.put("cache", limits.store().kind().label());
        n.put("master_key_set", masterKeySet());
        n.put("last_spend_flush_ms", spend.flusher().lastSuccessfulFlushMs());
        n.put("litellm_version", "tollgate-" + Version.VALUE);
        List<String> warnings = new ArrayList<>();
        if (!masterKeySet()) {
            warnings.add(StartupLog.NO_MASTER_KEY);
        }
        switch (storage.startup().state()) {
            case WAITING_FOR_DATABASE ->
                warnings.add("database unreachable since startup: schema migrations and startup checks wait for it");
            case DEFAULT_BUDGET_MISSING -> warnings.add(storage.startup().missingBudgetMessage());
            case READY -> {}
        }
        if (!warnings.isEmpty()) {
            ArrayNode list = n.putArray("warnings");
            warnings.forEach(list::add);
        }
        return n;
    }

    // ---- stopping --------------------------------------------------------------------------

    /**
     * Graceful stop, in this order:
     * <ol>
     * <li>stop accepting: the listener closes, new connections are refused;
     * <li>drain: calls and streams in flight finish, up to {@code shutdown_drain_timeout};
     *     then the remaining client connections are closed;
     * <li>final flush: journaled settles, then pending spend, go to the database;
     * <li>close stores: background jobs, webhooks, Redis clients, event loops, JDBC threads and
     *     the database, newest first.
     * </ol>
     * Safe to call twice; the second call returns the first one's report.
     *
     * @return what, if anything, could not be persisted
     */
    public synchronized StopReport stop() {
        if (stopped != null) {
            return stopped;
        }
        LOG.info("Stopping: 1/4 no new connections");
        serverChannel.close().syncUninterruptibly();
        LOG.info(
                "Stopping: 2/4 draining calls in flight (up to {} s)",
                config.general().shutdownDrainTimeout().toSeconds());
        drainInFlight(config.general().shutdownDrainTimeout());
        if (leases != null) {
            // Unused budget of the slices goes back before the stores close (a lost return expires).
            leases.returnAll();
        }
        if (settleBatches != null) {
            // Folded settles go to the store (or, failing that, to the journal) before the journal's last pass.
            settleBatches.close();
        }
        LOG.info("Stopping: 3/4 final spend flush");
        StopReport report = finalFlush();
        LOG.info("Stopping: 4/4 closing stores");
        opened.closeAll();
        if (report.clean()) {
            LOG.info("Tollgate stopped");
        } else {
            LOG.error(report.line());
        }
        stopped = report;
        return report;
    }

    /** {@link #stop()}, for try-with-resources and tests. */
    @Override
    public void close() {
        stop();
    }

    private void drainInFlight(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline && clients.stream().anyMatch(InFlight::isBusy)) {
            try {
                Thread.sleep(DRAIN_POLL_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        long busy = clients.stream().filter(InFlight::isBusy).count();
        if (busy > 0) {
            LOG.warn("Drain timeout: closing {} connection(s) with a call still in flight", busy);
        }
        clients.close().awaitUninterruptibly(CLOSE_CLIENTS_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Journal first (its settles become pending spend or database rows), then pending spend. */
    private StopReport finalFlush() {
        SpendJournal journal = spend.journal();
        SpendFlusher flusher = spend.flusher();
        // The journal asks the reconciler to re-check the customers it replays: stop the periodic
        // passes first, so the last replays run against a reconciler that no longer schedules work.
        spend.reconciler().close();
        journal.close();
        if (!limits.redis()) {
            // Calls are drained: this is exactly what the flush must persist (on Redis, other
            // instances keep adding to the pending spend, so there is no such figure).
            Leftover due = leftover();
            LOG.info("Final spend flush: ${} pending for {} customer(s)", Money.format(due.nanos()), due.customers());
        }
        flusher.close();
        boolean failed = flusher.lastPassFailed();
        // In-process, what is left dies with the process: always count it. On Redis it stays for any
        // instance to flush (and other instances' calls keep adding to it): look only after a failure.
        Leftover left = !limits.redis() || failed ? leftover() : new Leftover(0, 0, false);
        return new StopReport(
                failed || left.unknown(),
                left.customers(),
                left.nanos(),
                !limits.redis(),
                journal.unpersistedSettles(),
                journal.unpersistedNanos());
    }

    /** Spend still pending in the limit store; {@code unknown} when the store did not answer. */
    private record Leftover(int customers, long nanos, boolean unknown) {}

    private Leftover leftover() {
        LimitStore store = limits.store();
        long timeoutMs = LEFTOVER_CHECK_TIMEOUT.toMillis();
        try {
            List<CompletableFuture<Long>> pending = new ArrayList<>();
            for (String id : store.dirtyCustomers(LEFTOVER_CHECK_MAX_CUSTOMERS)
                    .toCompletableFuture()
                    .get(timeoutMs, TimeUnit.MILLISECONDS)) {
                pending.add(store.pendingNanos(id).toCompletableFuture());
            }
            int customers = 0;
            long nanos = 0;
            for (CompletableFuture<Long> p : pending) {
                long n = p.get(timeoutMs, TimeUnit.MILLISECONDS);
                if (n != 0) {
                    customers++;
                    nanos += n;
                }
            }
            return new Leftover(customers, nanos, false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Leftover(0, 0, true);
        } catch (Exception e) {
            LOG.warn("Could not read what is left pending in the limit store: {}", Failures.oneLine(e));
            return new Leftover(0, 0, true);
        }
    }

    /** The listening channel as a resource (closed first on a failed start). */
    private record Listener(Channel channel) implements AutoCloseable {
        @Override
        public void close() {
            channel.close().syncUninterruptibly();
        }
    }

    /** An event loop group as a resource: stopped, and its threads gone, when closed. */
    private record LoopGroup(EventLoopGroup group) implements AutoCloseable {
        @Override
        public void close() {
            group.shutdownGracefully(0, LOOP_SHUTDOWN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                    .syncUninterruptibly();
        }
    }
}
