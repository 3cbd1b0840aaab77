package dev.tollgate.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.admin.api.AdminApi;
import dev.tollgate.admin.api.AdminSettings;
import dev.tollgate.admin.catalog.JdbcCustomerCatalog;
import dev.tollgate.admin.db.Database;
import dev.tollgate.admin.db.JdbcExecutor;
import dev.tollgate.admin.db.Migrations;
import dev.tollgate.admin.overview.OverviewRepository;
import dev.tollgate.admin.spend.BudgetResetJob;
import dev.tollgate.admin.spend.SpendFlusher;
import dev.tollgate.admin.spend.SpendJournal;
import dev.tollgate.admin.spend.SpendRepository;
import dev.tollgate.admin.webhook.WebhookConfig;
import dev.tollgate.admin.webhook.Webhooks;
import dev.tollgate.core.config.TollgateConfig;
import dev.tollgate.core.json.Json;
import dev.tollgate.core.limits.InProcessLimitStore;
import dev.tollgate.core.limits.InvalidationBus;
import dev.tollgate.core.limits.LimitStore;
import dev.tollgate.core.limits.LocalInvalidationBus;
import dev.tollgate.core.limits.redis.RedisEndpoint;
import dev.tollgate.core.limits.redis.RedisInvalidationBus;
import dev.tollgate.core.limits.redis.RedisLimitStore;
import dev.tollgate.core.limits.redis.RedisLoopResources;
import dev.tollgate.core.usage.CallListener;
import dev.tollgate.server.admin.AdminRoute;
import dev.tollgate.server.auth.MasterKeyAuth;
import dev.tollgate.server.http.HealthRoutes;
import dev.tollgate.server.http.InFlight;
import dev.tollgate.server.http.Router;
import dev.tollgate.server.http.ServerInitializer;
import dev.tollgate.server.metrics.MetricsRoute;
import dev.tollgate.server.metrics.ProxyMetrics;
import dev.tollgate.server.proxy.Admission;
import dev.tollgate.server.proxy.DeploymentSelector;
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
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires core, admin and the Netty front into one running proxy, and takes it down gracefully:
 * stop accepting, let in-flight calls and streams finish (up to the drain timeout), flush
 * pending spend, close the stores.
 */
public final class TollgateServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TollgateServer.class);
    /** Settles kept in memory while the limit store is unreachable before they go to the database at once. */
    static final int JOURNAL_CAPACITY = 100_000;
    /** A settle the store has not taken for this long is written straight to the database. */
    static final Duration JOURNAL_PERSIST_AFTER = Duration.ofSeconds(2);

    private final TollgateConfig config;
    private final Database database;
    private final JdbcExecutor jdbc;
    private final LimitStore store;
    private final InvalidationBus bus;
    private final RedisEndpoint busClient;
    /** Lettuce resources on the worker loops; null without Redis. Closed after the clients, before the loops. */
    private final RedisLoopResources redisLoops;

    private final SpendFlusher flusher;
    private final SpendJournal journal;
    private final BudgetResetJob resetJob;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final ChannelGroup clients = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final Channel serverChannel;
    private final ProxyMetrics metrics;
    private final JdbcCustomerCatalog catalog;
    private final Webhooks webhooks;
    private volatile boolean closed;

    private TollgateServer(TollgateConfig config, String host, int port, Path dataDir, int ioThreads, Clock clock)
            throws Exception {
        this.config = config;
        var general = config.general();
        var litellm = config.litellm();
        DeploymentSelector deployments = new DeploymentSelector(config);

        this.database = Database.open(general.databaseUrl(), dataDir, 10);
        Migrations.run(database.dataSource());
        this.jdbc = new JdbcExecutor(8);
        // The loops exist before the Redis clients, which run their channels on them.
        NetTransport transport = NetTransport.detect();
        this.boss = new MultiThreadIoEventLoopGroup(1, transport.ioHandlerFactory());
        this.workers = new MultiThreadIoEventLoopGroup(ioThreads, transport.ioHandlerFactory());
        RedisLoopResources loopResources = null;
        try {
            if (general.redisUrl() != null && !general.redisUrl().isBlank()) {
                // One Redis connection per worker loop: a call's admit and settle go out on its own
                // loop's connection and complete there, with no hop to a Lettuce thread and back.
                // Connecting blocks this (main) thread, never a loop.
                loopResources = new RedisLoopResources(workers);
                this.store = RedisLimitStore.connect(
                        general.redisUrl(), general.redisCommandTimeout(), general.redisKeyPrefix(), loopResources);
                this.busClient =
                        RedisEndpoint.failFast(general.redisUrl(), Duration.ofSeconds(2), loopResources.shared());
                this.bus = new RedisInvalidationBus(busClient, general.redisKeyPrefix());
            } else {
                this.store = new InProcessLimitStore();
                this.busClient = null;
                this.bus = new LocalInvalidationBus();
            }
        } catch (RuntimeException e) {
            // A failed connection already started loop threads (not daemons): stop them, so that
            // a start that fails lets the JVM exit.
            if (loopResources != null) {
                loopResources.close();
            }
            workers.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            boss.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw e;
        }
        this.redisLoops = loopResources;
        String defaultBudget = litellm.maxEndUserBudgetId();
        JdbcCustomerCatalog catalog = new JdbcCustomerCatalog(
                database.dataSource(), jdbc, defaultBudget, litellm.timezone(), clock, Duration.ofSeconds(30));
        catalog.startCustomerDirectory(Duration.ofSeconds(5));
        this.catalog = catalog;
        bus.subscribe(id -> {
            if (InvalidationBus.ALL.equals(id)) {
                catalog.invalidateAll();
            } else {
                catalog.invalidate(id);
            }
        });
        AdminApi adminApi = new AdminApi(
                database.dataSource(),
                store,
                bus,
                new AdminSettings(deployments.modelNames(), litellm.timezone(), defaultBudget),
                clock);
        SpendRepository spendRepository = new SpendRepository(database.dataSource());
        this.flusher = new SpendFlusher(store, spendRepository, general.batchWriteInterval(), clock);
        this.journal = new SpendJournal(
                store, spendRepository, JOURNAL_CAPACITY, Duration.ofMillis(250), JOURNAL_PERSIST_AFTER, clock);
        this.resetJob = new BudgetResetJob(
                database.dataSource(), bus, defaultBudget, litellm.timezone(), clock, Duration.ofSeconds(10));

        WebhookConfig webhookConfig = WebhookConfig.from(general);
        this.webhooks = webhookConfig == null ? null : new Webhooks(webhookConfig, database.dataSource(), jdbc, clock);
        this.metrics = new ProxyMetrics(litellm);
        MasterKeyAuth auth = new MasterKeyAuth(general.masterKey());
        Admission admission = new Admission(
                catalog,
                store,
                general.failOpen(),
                general.budgetExceededStatus(),
                metrics::refusal,
                config.reservationTtl().toMillis());
        List<CallListener> listeners = webhooks == null ? List.of(metrics) : List.of(metrics, webhooks);
        Settlement settlement = new Settlement(store, general.tokenRateLimitType(), listeners, journal, clock);
        UpstreamClient upstreams = new UpstreamClient(general.connectTimeout(), transport.socketChannel());

        Router router = new Router();
        ProxyRoutes.register(router, config, auth, deployments, admission, settlement, upstreams, clock);
        HealthRoutes.register(router, this::readiness);
        router.add(HttpMethod.GET, "/metrics", new MetricsRoute(metrics));
        router.addOwner(AdminApi::handles, new AdminRoute(auth, adminApi, jdbc));
        router.addOwner(path -> path.equals("/ui") || path.startsWith("/ui/"), new StaticUiRoute());
        router.add(
                HttpMethod.GET,
                "/tollgate/overview",
                new OverviewRoute(
                        auth,
                        new OverviewRoute.Sources(
                                new OverviewRepository(database.dataSource(), clock),
                                jdbc,
                                database.embedded() ? "embedded H2" : "postgresql",
                                store,
                                store.kind().label(),
                                flusher::lastSuccessfulFlushMs,
                                flusher::pendingBatchesFailed,
                                general.batchWriteInterval(),
                                metrics.registry(),
                                clock,
                                Version.VALUE)));

        ServerInitializer initializer = new ServerInitializer(
                router,
                (int) general.maxRequestBodyBytes(),
                general.clientIdleTimeout().toSeconds(),
                clients);
        ServerBootstrap b = new ServerBootstrap()
                .group(boss, workers)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(64 * 1024, 256 * 1024))
                .childHandler(initializer);
        this.serverChannel = b.bind(new InetSocketAddress(host, port)).sync().channel();
        metrics.bindRuntime(new ProxyMetrics.Runtime(store, flusher, settlement, admission, webhooks, workers, jdbc));
        flusher.start();
        resetJob.start();
        if (webhooks != null) {
            webhooks.start();
        }
        LOG.info(
                "Tollgate listening on {} ({} models, {} transport, limit store: {}, database: {})",
                serverChannel.localAddress(),
                config.models().size(),
                transport.name(),
                store.kind().label(),
                database.embedded() ? "embedded H2" : "postgresql");
    }

    /** Starts a proxy; {@code port} 0 picks a free one. */
    public static TollgateServer start(TollgateConfig config, String host, int port, Path dataDir) throws Exception {
        return start(config, host, port, dataDir, Clock.systemUTC());
    }

    /** As {@link #start(TollgateConfig, String, int, Path)}, with the wall clock of budgets, windows and jobs. */
    public static TollgateServer start(TollgateConfig config, String host, int port, Path dataDir, Clock clock)
            throws Exception {
        int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
        return new TollgateServer(config, host, port, dataDir, threads, clock);
    }

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

    public SpendFlusher flusher() {
        return flusher;
    }

    /** The job that starts new budget periods in the database. */
    public BudgetResetJob budgetResets() {
        return resetJob;
    }

    /** Settles the limit store did not confirm (Redis outage), replayed or persisted by the journal. */
    public SpendJournal journal() {
        return journal;
    }

    private ObjectNode readiness() {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("status", "healthy");
        n.put("db", database.embedded() ? "embedded" : "postgresql");
        n.put("cache", store.kind().label());
        n.put("last_spend_flush_ms", flusher.lastSuccessfulFlushMs());
        n.put("litellm_version", "tollgate-" + Version.VALUE);
        return n;
    }

    /** Graceful stop; safe to call twice. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        LOG.info("Shutting down: no new connections; draining in-flight calls");
        serverChannel.close().syncUninterruptibly();
        long deadline =
                System.nanoTime() + config.general().shutdownDrainTimeout().toNanos();
        while (System.nanoTime() < deadline && clients.stream().anyMatch(InFlight::isBusy)) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        clients.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        resetJob.close();
        catalog.close();
        journal.close();
        flusher.close();
        if (webhooks != null) {
            webhooks.close();
        }
        metrics.close();
        bus.close();
        store.close();
        if (busClient != null) {
            busClient.close();
        }
        // The Redis channels live on the worker loops: the last flush above still needed them,
        // so the loops stop only once every Redis client is closed.
        if (redisLoops != null) {
            redisLoops.close();
        }
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        jdbc.close();
        database.close();
        LOG.info("Tollgate stopped");
    }
}
