package dev.tollgate.core.limits.redis;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs scripts with EVALSHA and falls back to EVAL on {@code NOSCRIPT}. Redis empties its
 * script cache on restart, fail-over and SCRIPT FLUSH, so a missing script is expected at any
 * time; EVAL runs it and caches it again for the next EVALSHA. Each run goes through the
 * connection the caller picked, so that the EVAL fallback uses the same one as the EVALSHA.
 */
final class ScriptRunner {
    private static final Logger log = LoggerFactory.getLogger(ScriptRunner.class);
    /** EVAL fallbacks after NOSCRIPT, and script runs that failed (timeouts, connection loss, errors). */
    final AtomicLong fallbacks = new AtomicLong();

    final AtomicLong errors = new AtomicLong();

    /** Script calls sent (EVALSHA; an EVAL fallback is part of the same call). */
    final LongAdder calls = new LongAdder();

    /** Loads the script into the server cache once, without waiting; EVAL covers a failure. */
    void preload(RedisClusterAsyncCommands<String, String> commands, LuaScript script) {
        commands.scriptLoad(script.source()).whenComplete((sha, e) -> {
            if (e != null) {
                log.debug("SCRIPT LOAD {} failed; EVAL fallback will load it", script.name(), e);
            } else if (!sha.equals(script.sha())) {
                log.warn("script {} digest mismatch: local {} server {}", script.name(), script.sha(), sha);
            }
        });
    }

    <T> CompletionStage<T> run(
            RedisClusterAsyncCommands<String, String> commands,
            LuaScript script,
            ScriptOutputType type,
            String[] keys,
            String... args) {
        calls.increment();
        CompletionStage<T> first = commands.evalsha(script.sha(), type, keys, args);
        CompletionStage<T> result = first.exceptionallyCompose(e -> {
            if (unwrap(e) instanceof RedisNoScriptException) {
                log.debug("NOSCRIPT for {}; running it with EVAL", script.name());
                fallbacks.incrementAndGet();
                return commands.<T>eval(script.source(), type, keys, args);
            }
            return CompletableFuture.failedStage(e);
        });
        result.whenComplete((v, e) -> {
            if (e != null) {
                errors.incrementAndGet();
            }
        });
        return result;
    }

    private static Throwable unwrap(Throwable e) {
        Throwable t = e;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
