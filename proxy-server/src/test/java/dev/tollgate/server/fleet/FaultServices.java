package dev.tollgate.server.fleet;

import dev.tollgate.testing.upstream.FakeUpstream;
import dev.tollgate.testing.upstream.FakeUpstreamOptions;

/**
 * A fault test class's own Redis, PostgreSQL and fake upstream on free loopback ports (never the
 * shared 6379/5432), closed together; a failed start closes what did start. The servers come from
 * the installed programs; without them the calling test is skipped (annotate the class with
 * {@code @Needs({Need.REDIS_SERVER, Need.POSTGRES_SERVER})} so the skip covers all its tests).
 */
final class FaultServices implements AutoCloseable {
    final RedisProcess redis;
    final PostgresProcess postgres;
    final FakeUpstream upstream;

    private FaultServices(RedisProcess redis, PostgresProcess postgres, FakeUpstream upstream) {
        this.redis = redis;
        this.postgres = postgres;
        this.upstream = upstream;
    }

    static FaultServices start(FakeUpstreamOptions upstreamOptions) throws Exception {
        RedisProcess redis = RedisProcess.start();
        PostgresProcess postgres = null;
        try {
            postgres = PostgresProcess.start();
            return new FaultServices(redis, postgres, FakeUpstream.start(upstreamOptions));
        } catch (Exception | Error e) {
            if (postgres != null) {
                postgres.close();
            }
            redis.close();
            throw e;
        }
    }

    @Override
    public void close() {
        try {
            upstream.close();
        } finally {
            try {
                redis.close();
            } finally {
                postgres.close();
            }
        }
    }
}
