package dev.tollgate.core.limits.redis;

import dev.tollgate.core.routing.CooldownBoard;
import dev.tollgate.core.routing.Cooldowns;
import dev.tollgate.core.routing.InProcessCooldowns;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fleet {@link Cooldowns}: failures are counted in Redis, one counter per deployment and minute
 * ({@code <prefix>cd:<deployment id>:<minute>}, expiring after two minutes), so the fleet's
 * failures add up; the instance whose failure exceeds {@code allowed_fails} publishes the cooldown
 * on {@code <prefix>cooldowns} and every instance skips the deployment from then on. The message
 * carries the time left rather than an end time, so clock skew between instances does not stretch
 * or shorten it. Calls only read the local {@link CooldownBoard}: a call with no failure costs no
 * Redis command. When Redis cannot be reached the failure is counted locally instead, as on a
 * single instance.
 */
public final class RedisCooldowns implements Cooldowns {
    private static final Logger LOG = LoggerFactory.getLogger(RedisCooldowns.class);
    private static final String COUNT = "local n = redis.call('INCR', KEYS[1]) "
            + "if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end return n";
    private static final long WINDOW_MS = 60_000;
    private static final String COUNTER_TTL_MS = Long.toString(2 * WINDOW_MS);

    private final String prefix;
    private final String channel;
    private final int allowedFails;
    private final long cooldownMs;
    private final Clock clock;
    private final CooldownBoard board = new CooldownBoard();
    private final InProcessCooldowns offline;
    private final RedisEndpoint.Connection connection;
    private final RedisClusterAsyncCommands<String, String> redis;
    private final StatefulRedisPubSubConnection<String, String> subscriber;
    private final CompletionStage<Void> subscribed;

    /** Opens a connection and a pub/sub connection from {@code endpoint} (blocking: call at startup). */
    public RedisCooldowns(
            RedisEndpoint endpoint, String keyPrefix, int allowedFails, Duration cooldownTime, Clock clock) {
        this.prefix = keyPrefix == null ? RedisLimitStore.DEFAULT_PREFIX : keyPrefix;
        this.channel = prefix + "cooldowns";
        this.allowedFails = allowedFails;
        this.cooldownMs = cooldownTime.toMillis();
        this.clock = clock;
        this.offline = new InProcessCooldowns(allowedFails, cooldownTime);
        this.connection = endpoint.connect();
        this.redis = connection.async();
        this.subscriber = endpoint.connectPubSub();
        subscriber.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(String ch, String message) {
                if (channel.equals(ch)) {
                    received(message);
                }
            }
        });
        this.subscribed = subscriber.async().subscribe(channel);
    }

    /** Completes once the subscription is confirmed; cooldowns published before are missed. */
    public CompletionStage<Void> ready() {
        return subscribed;
    }

    private void received(String message) {
        int space = message.lastIndexOf(' ');
        if (space <= 0) {
            return;
        }
        try {
            long left = Long.parseLong(message.substring(space + 1));
            long now = clock.millis();
            board.coolUntil(message.substring(0, space), now + left, now);
        } catch (NumberFormatException e) {
            LOG.debug("ignoring malformed cooldown message {}", message);
        }
    }

    @Override
    public boolean coolingDown(String deploymentId, long nowMs) {
        return board.coolingDown(deploymentId, nowMs) || offline.coolingDown(deploymentId, nowMs);
    }

    @Override
    public void failed(String deploymentId, long nowMs) {
        String key = prefix + "cd:" + deploymentId + ":" + nowMs / WINDOW_MS;
        redis.<Long>eval(COUNT, ScriptOutputType.INTEGER, new String[] {key}, COUNTER_TTL_MS)
                .whenComplete((count, err) -> {
                    if (err != null) {
                        LOG.debug("cooldown counter unavailable ({}); counting {} locally", err, deploymentId);
                        offline.failed(deploymentId, nowMs);
                        return;
                    }
                    if (count != null && count > allowedFails) {
                        start(deploymentId);
                    }
                });
    }

    private void start(String deploymentId) {
        long now = clock.millis();
        board.coolUntil(deploymentId, now + cooldownMs, now);
        redis.publish(channel, deploymentId + " " + cooldownMs).whenComplete((n, e) -> {
            if (e != null) {
                LOG.warn("could not publish the cooldown of deployment {}: {}", deploymentId, e.toString());
            }
        });
    }

    @Override
    public long remainingMs(String deploymentId, long nowMs) {
        return Math.max(board.remainingMs(deploymentId, nowMs), offline.remainingMs(deploymentId, nowMs));
    }

    @Override
    public long cooldownsStarted(String deploymentId) {
        return board.started(deploymentId) + offline.cooldownsStarted(deploymentId);
    }

    @Override
    public void close() {
        subscriber.close();
        connection.stateful().close();
    }
}
