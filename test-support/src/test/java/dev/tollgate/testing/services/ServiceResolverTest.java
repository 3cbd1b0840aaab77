package dev.tollgate.testing.services;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.opentest4j.TestAbortedException;

/**
 * Each of the resolver's paths, with a resolver of the test's own. "Not reachable" is a port that
 * nothing listens on, and "not installed" an empty program search path: the machine's shared
 * servers are never stopped. Where a path needs a real server as a stand-in (a URL in the
 * environment, a shared server that answers), it uses the one this JVM's tests use.
 */
class ServiceResolverTest {
    static final Programs NO_PROGRAMS = Programs.in(List.of());
    static final String FLEET_LINE = "fleet tests skipped: no Redis or PostgreSQL found; install redis-server and"
            + " postgresql, or set TOLLGATE_TEST_REDIS_URL / TOLLGATE_TEST_DATABASE_URL";

    final ByteArrayOutputStream consoleBytes = new ByteArrayOutputStream();
    final PrintStream console = new PrintStream(consoleBytes, true, StandardCharsets.UTF_8);
    String deadRedis;
    String deadPostgres;

    @BeforeEach
    void deadAddresses() throws IOException {
        int port = Processes.freePort();
        deadRedis = "redis://127.0.0.1:" + port;
        deadPostgres = "postgresql://postgres@127.0.0.1:" + port + "/postgres";
    }

    /** Nothing in the environment, nothing answering on the shared addresses, nothing installed. */
    ServiceSettings nothing() {
        return ServiceSettings.from(Map.of(), new Properties(), NO_PROGRAMS).withShared(deadRedis, deadPostgres);
    }

    List<String> consoleLines() {
        String out = consoleBytes.toString(StandardCharsets.UTF_8);
        return out.isEmpty() ? List.of() : out.lines().toList();
    }

    @Test
    void environmentUrlsAreUsedAsGiven() throws Exception {
        String redisUrl = TestServices.redis().url();
        String databaseUrl = TestServices.postgres().adminUrl();

        try (ServiceResolver r = new ServiceResolver(nothing().withUrls(redisUrl, databaseUrl), console)) {
            assertThat(r.redis()).isEqualTo(new RedisService(redisUrl, Origin.ENVIRONMENT));
            RespProbe.ping(RedisAddress.parse(r.redis().url()), Duration.ofSeconds(5));
            PostgresService pg = r.postgres();
            assertThat(pg.origin()).isEqualTo(Origin.ENVIRONMENT);
            assertThat(pg.adminUrl()).isEqualTo(databaseUrl);
            String name;
            try (TestDatabase db = pg.createDatabase("tg_resolver_env_")) {
                name = db.name();
                assertThat(currentDatabase(db)).isEqualTo(name);
            }
            assertThat(databaseExists(name)).as("dropped on close").isFalse();
            assertThat(r.privateServers()).isEmpty();
        }
        assertThat(consoleLines()).isEmpty();
    }

    @Test
    void anEnvironmentUrlThatDoesNotAnswerIsAnErrorNeverPassedOver() {
        String sharedRedis = TestServices.redis().url();
        String sharedPostgres = TestServices.postgres().adminUrl();
        String deadWithPassword = deadRedis.replace("//", "//:hunter2@");
        ServiceSettings settings = nothing()
                .withShared(sharedRedis, sharedPostgres)
                .withUrls(deadWithPassword, deadPostgres.replace("postgres@", "postgres:hunter2@"));

        try (ServiceResolver r = new ServiceResolver(settings, console)) {
            assertThatThrownBy(r::redis)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("TOLLGATE_TEST_REDIS_URL=" + deadRedis.replace("//", "//:***@"))
                    .hasMessageContaining("does not answer PING")
                    .hasMessageNotContaining("hunter2");
            assertThatThrownBy(r::postgres)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("TOLLGATE_TEST_DATABASE_URL=postgresql://postgres:***@127.0.0.1:")
                    .hasMessageContaining("does not accept a connection")
                    .hasMessageNotContaining("hunter2");
        }
        assertThat(consoleLines()).isEmpty();
    }

    @Test
    void sharedServicesAreUsedWhenTheyAnswer() {
        // The servers this JVM's tests use stand in for the shared ones on 6379 and 5432.
        String sharedRedis = TestServices.redis().url();
        String sharedPostgres = TestServices.postgres().adminUrl();

        try (ServiceResolver r = new ServiceResolver(nothing().withShared(sharedRedis, sharedPostgres), console)) {
            assertThat(r.redis()).isEqualTo(new RedisService(sharedRedis, Origin.SHARED));
            assertThat(r.postgres().origin()).isEqualTo(Origin.SHARED);
            assertThat(r.postgres().adminUrl()).isEqualTo(sharedPostgres);
            assertThat(r.privateServers()).isEmpty();
        }
        assertThat(consoleLines()).isEmpty();
    }

    @Test
    void withoutSharedServicesPrivateOnesStartOnFreePortsAndCloseLeavesNothingRunning() throws Exception {
        TestServices.require(Need.REDIS_SERVER, Need.POSTGRES_SERVER);
        Set<Long> childrenBefore = childPids();
        List<Long> pids = new ArrayList<>();
        List<Path> dirs = new ArrayList<>();
        int redisPort;
        int postgresPort;

        try (ServiceResolver r = new ServiceResolver(nothing().withPrograms(Programs.installed()), console)) {
            RedisService redis = r.redis();
            assertThat(redis.origin()).isEqualTo(Origin.PRIVATE);
            redisPort = RedisAddress.parse(redis.url()).port();
            assertThat(redis.url()).isNotEqualTo(deadRedis).isNotEqualTo("redis://127.0.0.1:6379");
            RespProbe.ping(RedisAddress.parse(redis.url()), Duration.ofSeconds(5));

            PostgresService pg = r.postgres();
            assertThat(pg.origin()).isEqualTo(Origin.PRIVATE);
            postgresPort = PostgresAddress.parse(pg.adminUrl()).port();
            assertThat(postgresPort).isNotEqualTo(5432);
            try (TestDatabase db = pg.createDatabase("tg_resolver_private_")) {
                assertThat(currentDatabase(db)).isEqualTo(db.name());
            }
            assertThat(r.redis()).as("started once, kept").isSameAs(redis);
            assertThat(r.privateServers()).hasSize(2);

            RedisServer redisServer = (RedisServer) r.privateServers().get(0);
            PostgresServer postgresServer = (PostgresServer) r.privateServers().get(1);
            pids.add(redisServer.pid());
            pids.add(postgresServer.pid());
            dirs.add(redisServer.dir());
            dirs.add(postgresServer.dir());
            assertThat(pids).allMatch(Processes::isAlive);
            assertThat(consoleLines())
                    .containsExactly(
                            "test services: private Redis on " + redis.url() + " (pid " + pids.get(0)
                                    + "), stopped when this JVM exits",
                            "test services: private PostgreSQL on 127.0.0.1:" + postgresPort + " (pid " + pids.get(1)
                                    + "), stopped when this JVM exits");
        }

        awaitGone(pids);
        assertThat(dirs).noneMatch(Files::exists);
        assertThat(listening(redisPort)).isFalse();
        assertThat(listening(postgresPort)).isFalse();
        awaitChildren(childrenBefore);
    }

    @Test
    void privateModeStartsPrivateServersEvenWhenSharedOnesAnswer() {
        TestServices.require(Need.REDIS_SERVER, Need.POSTGRES_SERVER);
        String sharedRedis = TestServices.redis().url();
        String sharedPostgres = TestServices.postgres().adminUrl();
        ServiceSettings settings = ServiceSettings.from(
                        Map.of(), properties("tollgate.tests.services", "private"), Programs.installed())
                .withShared(sharedRedis, sharedPostgres);

        try (ServiceResolver r = new ServiceResolver(settings, console)) {
            assertThat(r.redis().origin()).isEqualTo(Origin.PRIVATE);
            assertThat(r.redis().url()).isNotEqualTo(sharedRedis);
            assertThat(r.postgres().origin()).isEqualTo(Origin.PRIVATE);
            assertThat(r.postgres().adminUrl()).isNotEqualTo(sharedPostgres);
        }
    }

    @Test
    void withNothingFoundTestsAreSkippedWithOneLoudLine() {
        try (ServiceResolver r = new ServiceResolver(nothing(), console)) {
            for (int i = 0; i < 2; i++) {
                assertThatThrownBy(r::redis)
                        .isInstanceOf(TestAbortedException.class)
                        .hasMessageStartingWith(FLEET_LINE)
                        .hasMessageContaining("no Redis: no answer from " + deadRedis)
                        .hasMessageContaining("no redis-server in (no directories)");
                assertThatThrownBy(r::postgres)
                        .isInstanceOf(TestAbortedException.class)
                        .hasMessageStartingWith(FLEET_LINE)
                        .hasMessageContaining("no PostgreSQL: no connection to " + deadPostgres)
                        .hasMessageContaining("no initdb and pg_ctl in (no directories)");
            }
            assertThat(r.available(Need.REDIS)).isFalse();
            assertThat(r.available(Need.POSTGRES)).isFalse();
            assertThat(consoleLines()).containsExactly(FLEET_LINE);

            assertThat(r.available(Need.REDIS_SERVER)).isFalse();
            assertThat(r.available(Need.NODE)).isFalse();
            assertThat(consoleLines()).containsExactly(FLEET_LINE, Need.REDIS_SERVER.skipLine(), Need.NODE.skipLine());
        }
    }

    @Test
    void withNothingFoundAndServicesRequiredTheTestsFail() {
        try (ServiceResolver r = new ServiceResolver(nothing().withRequireServices(true), console)) {
            assertThatThrownBy(r::redis)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("required test service missing (tollgate.tests.requireServices=true):"
                            + " no Redis: no answer from " + deadRedis)
                    .hasMessageEndingWith("; install redis-server and postgresql, or set TOLLGATE_TEST_REDIS_URL"
                            + " / TOLLGATE_TEST_DATABASE_URL");
            assertThatThrownBy(r::postgres)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("no PostgreSQL: no connection to " + deadPostgres);
            assertThatThrownBy(() -> r.available(Need.REDIS)).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> r.require(Need.POSTGRES_SERVER))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("no directory with both initdb and pg_ctl");
        }
        assertThat(consoleLines()).as("a failure, not a skip line").isEmpty();
    }

    static Properties properties(String key, String value) {
        Properties p = new Properties();
        p.setProperty(key, value);
        return p;
    }

    static String currentDatabase(TestDatabase db) throws Exception {
        try (Connection c = db.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT current_database()")) {
            rs.next();
            return rs.getString(1);
        }
    }

    static boolean databaseExists(String name) throws Exception {
        PostgresAddress admin = PostgresAddress.parse(TestServices.postgres().adminUrl());
        try (Connection c = admin.connect(admin.database(), 10);
                var ps = c.prepareStatement("SELECT COUNT(*) FROM pg_database WHERE datname = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1) > 0;
            }
        }
    }

    static boolean listening(int port) {
        try (var socket = new java.net.Socket()) {
            socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** This JVM's own child processes (a watchdog's {@code sleep} is a grandchild). */
    static Set<Long> childPids() {
        return ProcessHandle.current().children().map(ProcessHandle::pid).collect(Collectors.toSet());
    }

    /** Every pid has exited (a stopped server may take a moment to be reaped). */
    static void awaitGone(List<Long> pids) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (pids.stream().anyMatch(Processes::isAlive) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(pids).noneMatch(Processes::isAlive);
    }

    /** No child process this JVM started since {@code before} is still running (watchdogs included). */
    static void awaitChildren(Set<Long> before) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        Set<Long> extra;
        do {
            extra = childPids();
            extra.removeAll(before);
            if (extra.isEmpty()) {
                return;
            }
            Thread.sleep(100);
        } while (System.nanoTime() < deadline);
        Set<String> left = new java.util.HashSet<>();
        for (long pid : extra) {
            left.add(pid + " "
                    + ProcessHandle.of(pid).flatMap(h -> h.info().commandLine()).orElse("?"));
        }
        assertThat(left).as("processes left running").isEmpty();
    }
}
