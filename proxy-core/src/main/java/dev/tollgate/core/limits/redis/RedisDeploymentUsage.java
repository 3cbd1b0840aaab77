package dev.tollgate.core.limits.redis;

import dev.tollgate.core.routing.DeploymentUsage;
import dev.tollgate.core.routing.InProcessDeploymentUsage;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fleet {@link DeploymentUsage}: each deployment's minute is one hash in Redis,
 * {@code <prefix>dep:{<deployment id>}:<minute>} with fields {@code r} (requests) and {@code t}
 * (tokens), expiring two minutes after its last call; the key carries its own hash tag, so it
 * works on Redis Cluster. One script per acquire checks both limits and counts atomically, so the
 * fleet together never exceeds a deployment's rpm. {@link #usage} reads the counts the last reply
 * of this instance carried (no Redis command). When Redis cannot be reached, the call is counted
 * locally instead, as on a single instance.
 */
public final class RedisDeploymentUsage implements DeploymentUsage {
    private static final Logger LOG = LoggerFactory.getLogger(RedisDeploymentUsage.class);
    private static final String ACQUIRE = "local r = tonumber(redis.call('HGET', KEYS[1], 'r') or '0') "
            + "local t = tonumber(redis.call('HGET', KEYS[1], 't') or '0') "
            + "local rpm = tonumber(ARGV[1]) local tpm = tonumber(ARGV[2]) local res = tonumber(ARGV[3]) "
            + "if (rpm >= 0 and r + 1 > rpm) or (tpm >= 0 and t + res > tpm) then return {0, r, t} end "
            + "r = redis.call('HINCRBY', KEYS[1], 'r', 1) "
            + "t = redis.call('HINCRBY', KEYS[1], 't', res) "
            + "redis.call('PEXPIRE', KEYS[1], ARGV[4]) "
            + "return {1, r, t}";
    /** Only an existing window (an expired one stays gone), never below zero. */
    private static final String SETTLE = "if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end "
            + "local t = redis.call('HINCRBY', KEYS[1], 't', ARGV[1]) "
            + "if t < 0 then redis.call('HSET', KEYS[1], 't', 0) end return 1";

    private static final String TTL_MS = Long.toString(2 * WINDOW_MS);

    private final String prefix;
    private final InProcessDeploymentUsage offline = new InProcessDeploymentUsage();
    /** Per deployment: {window start, requests, tokens} of the last reply. */
    private final ConcurrentHashMap<String, long[]> seen = new ConcurrentHashMap<>();

    private final RedisEndpoint.Connection connection;
    private final RedisClusterAsyncCommands<String, String> redis;

    /** Opens a connection from {@code endpoint} (blocking: call at startup). */
    public RedisDeploymentUsage(RedisEndpoint endpoint, String keyPrefix) {
        this.prefix = keyPrefix == null ? RedisLimitStore.DEFAULT_PREFIX : keyPrefix;
        this.connection = endpoint.connect();
        this.redis = connection.async();
    }

    /** The hash of a deployment's minute. */
    public String key(String deploymentId, long windowStartMs) {
        return prefix + "dep:{" + deploymentId + "}:" + windowStartMs / WINDOW_MS;
    }

    @Override
    public CompletionStage<Boolean> tryAcquire(
            String deploymentId, long windowStartMs, long rpmLimit, long tpmLimit, long reserveTokens) {
        return redis.<List<Object>>eval(
                        ACQUIRE,
                        ScriptOutputType.MULTI,
                        new String[] {key(deploymentId, windowStartMs)},
                        Long.toString(rpmLimit),
                        Long.toString(tpmLimit),
                        Long.toString(reserveTokens),
                        TTL_MS)
                .handle((reply, err) -> {
                    if (err != null || reply == null || reply.size() != 3) {
                        LOG.debug("deployment usage unavailable ({}); counting {} locally", err, deploymentId);
                        return offline.admit(deploymentId, windowStartMs, rpmLimit, tpmLimit, reserveTokens);
                    }
                    remember(deploymentId, windowStartMs, (Long) reply.get(1), (Long) reply.get(2));
                    return ((Long) reply.get(0)) == 1L;
                });
    }

    private void remember(String deploymentId, long windowStartMs, long requests, long tokens) {
        long[] w = seen.computeIfAbsent(deploymentId, k -> new long[3]);
        synchronized (w) {
            if (w[0] <= windowStartMs) {
                w[0] = windowStartMs;
                w[1] = requests;
                w[2] = tokens;
            }
        }
    }

    @Override
    public void settle(String deploymentId, long windowStartMs, long reservedTokens, long actualTokens) {
        long delta = actualTokens - reservedTokens;
        if (delta == 0) {
            return;
        }
        offline.settle(deploymentId, windowStartMs, reservedTokens, actualTokens);
        long[] w = seen.get(deploymentId);
        if (w != null) {
            synchronized (w) {
                if (w[0] == windowStartMs) {
                    w[2] = Math.max(0, w[2] + delta);
                }
            }
        }
        redis.<Long>eval(
                        SETTLE,
                        ScriptOutputType.INTEGER,
                        new String[] {key(deploymentId, windowStartMs)},
                        Long.toString(delta))
                .whenComplete((n, err) -> {
                    if (err != null) {
                        LOG.debug("could not settle the usage of deployment {}: {}", deploymentId, err.toString());
                    }
                });
    }

    @Override
    public Counts usage(String deploymentId, long windowStartMs) {
        Counts local = offline.usage(deploymentId, windowStartMs);
        long[] w = seen.get(deploymentId);
        if (w == null) {
            return local;
        }
        synchronized (w) {
            return w[0] == windowStartMs ? new Counts(w[1] + local.requests(), w[2] + local.tokens()) : local;
        }
    }

    @Override
    public void close() {
        connection.stateful().close();
    }
}
