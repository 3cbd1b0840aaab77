package dev.tollgate.server;

import dev.tollgate.core.config.TollgateConfig;
import dev.tollgate.core.limits.redis.RedisEndpoint;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What an operator needs to see once the proxy serves: where its config, data and counters are,
 * whether it is protected by a master key, and where to reach it. Never a password.
 */
final class StartupLog {
    private static final Logger LOG = LoggerFactory.getLogger(StartupLog.class);

    /** Said at startup (a warning) and by readiness when no master key is set. */
    static final String NO_MASTER_KEY = "no master_key is set: anyone who can reach this port can make calls"
            + " (on your provider keys) and use the admin API; set general_settings.master_key"
            + " or LITELLM_MASTER_KEY";

    private StartupLog() {}

    /** Everything the proxy was started with, in the order an operator checks it. */
    record Facts(
            String version,
            String configSource,
            String database,
            String limitStore,
            boolean masterKeySet,
            String host,
            int port,
            String transport,
            List<String> models) {}

    static void print(Facts f) {
        String base = baseUrl(f.host(), f.port());
        LOG.info("Tollgate {} listening on {} ({} transport)", f.version(), base, f.transport());
        LOG.info("  config:      {}", f.configSource());
        LOG.info("  database:    {}", f.database());
        LOG.info("  limit store: {}", f.limitStore());
        LOG.info("  master key:  {}", f.masterKeySet() ? "set" : "NOT SET");
        LOG.info("  admin page:  {}/ui/   metrics: {}/metrics", base, base);
        LOG.info("  models:      {}", f.models().isEmpty() ? "(none)" : String.join(", ", f.models()));
        if (!f.masterKeySet()) {
            LOG.warn("OPEN PROXY: {}", NO_MASTER_KEY);
        }
    }

    /** {@code http://host:port} with the host as given on the command line (an IPv6 literal in brackets). */
    static String baseUrl(String host, int port) {
        String h = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
        return "http://" + h + ":" + port;
    }

    /**
     * The limit store for humans: {@code in-process}, {@code redis host:port[/db]} or
     * {@code redis cluster host1:port1,host2:port2}; never the password.
     */
    static String describeLimitStore(String redisUrl) {
        if (redisUrl == null || redisUrl.isBlank()) {
            return "in-process";
        }
        String url = redisUrl.trim();
        boolean cluster = RedisEndpoint.isClusterUrl(url);
        int schemeEnd = url.indexOf("://");
        String scheme = schemeEnd < 0 ? "" : url.substring(0, schemeEnd).toLowerCase(Locale.ROOT);
        String rest = schemeEnd < 0 ? url : url.substring(schemeEnd + 3);
        int at = rest.lastIndexOf('@');
        if (at >= 0) {
            rest = rest.substring(at + 1);
        }
        int query = rest.indexOf('?');
        if (query >= 0) {
            rest = rest.substring(0, query);
        }
        boolean tls = scheme.startsWith("rediss");
        return "redis " + (cluster ? "cluster " : "") + rest + (tls ? " (TLS)" : "");
    }

    /** A Redis URL's host and port for an error line, without a password. */
    static String redisTarget(String redisUrl) {
        String described = describeLimitStore(redisUrl);
        return described.startsWith("redis ") ? described.substring("redis ".length()) : described;
    }

    /** The model names of the config, each once, in config order. */
    static List<String> modelNames(TollgateConfig config) {
        return new ArrayList<>(config.modelGroups().keySet());
    }
}
