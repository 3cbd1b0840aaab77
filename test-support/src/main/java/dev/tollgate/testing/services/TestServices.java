package dev.tollgate.testing.services;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * The one way tests get Redis, PostgreSQL and the programs they run, for the whole test JVM: the
 * {@link ServiceResolver} over this JVM's {@link ServiceSettings#fromEnvironment() settings},
 * created on first use; the private servers it starts are stopped by a shutdown hook (and by their
 * watchdogs should the JVM be killed).
 *
 * <p>Its lines go to the process's own stderr, not {@code System.err}: the build runs tests with
 * their output redirected to report files, and a skip must show on the console.
 */
public final class TestServices {
    private static ServiceResolver resolver;

    private TestServices() {}

    /** This JVM's resolver. */
    public static synchronized ServiceResolver resolver() {
        if (resolver == null) {
            ServiceResolver r = new ServiceResolver(ServiceSettings.fromEnvironment(), console());
            Runtime.getRuntime().addShutdownHook(new Thread(r::close, "test-services-stop"));
            resolver = r;
        }
        return resolver;
    }

    /** The tests' Redis; the calling test is skipped when there is none (fails under requireServices). */
    public static RedisService redis() {
        return resolver().redis();
    }

    /** The tests' PostgreSQL; the calling test is skipped when there is none (fails under requireServices). */
    public static PostgresService postgres() {
        return resolver().postgres();
    }

    /** Skips the calling test unless every need is met (fails it under requireServices). */
    public static void require(Need... needs) {
        resolver().require(needs);
    }

    /** Whether {@code need} is met; false after printing the skip line (throws under requireServices). */
    public static boolean available(Need need) {
        return resolver().available(need);
    }

    /** Where the installed programs are looked for. */
    public static Programs programs() {
        return resolver().settings().programs();
    }

    /** A {@code redis-server} of the caller's own, on a free port; close it when done. */
    public static RedisServer startRedisServer() throws Exception {
        require(Need.REDIS_SERVER);
        return RedisServer.start(programs());
    }

    /** A Redis Cluster of {@code masters} masters of the caller's own; close it when done. */
    public static RedisCluster startRedisCluster(int masters) throws Exception {
        require(Need.REDIS_SERVER);
        return RedisCluster.start(programs(), masters);
    }

    /** A PostgreSQL of the caller's own whose superuser is {@code superuser}; close it when done. */
    public static PostgresServer startPostgresServer(String superuser) throws Exception {
        require(Need.POSTGRES_SERVER);
        return PostgresServer.start(programs(), superuser, 100);
    }

    private static PrintStream console() {
        return new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
    }
}
