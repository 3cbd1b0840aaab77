package dev.tollgate.server;

import dev.tollgate.core.config.ConfigException;
import dev.tollgate.core.config.ConfigLoader;
import dev.tollgate.core.config.LoadedConfig;
import dev.tollgate.core.config.TollgateConfig;
import dev.tollgate.server.logging.LogFormat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * {@code java -jar tollgate.jar --config FILE [--host H] [--port P] [--data-dir D]}. A bad config
 * stops the start with one line naming the key; SIGTERM stops it gracefully with exit code 0.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) throws Exception {
        String config = "config.yaml";
        String host = "0.0.0.0";
        int port = 4000;
        String dataDir = System.getenv().getOrDefault("TOLLGATE_DATA_DIR", "data");
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String next = i + 1 < args.length ? args[i + 1] : null;
            switch (a) {
                case "--config" -> {
                    config = require(a, next);
                    i++;
                }
                case "--host" -> {
                    host = require(a, next);
                    i++;
                }
                case "--port" -> {
                    try {
                        port = Integer.parseInt(require(a, next));
                    } catch (NumberFormatException e) {
                        fail("--port expects a number, got '" + next + "'");
                    }
                    i++;
                }
                case "--data-dir" -> {
                    dataDir = require(a, next);
                    i++;
                }
                case "--help", "-h" -> {
                    System.out.println(
                            "Usage: java -jar tollgate.jar --config FILE [--host H] [--port P] [--data-dir DIR]");
                    return;
                }
                default ->
                    fail("Unknown argument '" + a + "'. Usage: --config FILE [--host H] [--port P] [--data-dir DIR]");
            }
        }
        Path configPath = Path.of(config);
        if (!Files.isRegularFile(configPath)) {
            fail("Config file not found: " + configPath.toAbsolutePath());
        }
        LoadedConfig loaded;
        try {
            loaded = ConfigLoader.read(configPath, System.getenv());
        } catch (ConfigException e) {
            fail("Invalid config " + configPath + ": " + e.getMessage());
            return;
        }
        TollgateConfig cfg = loaded.config();
        // Before the first log line, so that every line of a JSON-logging process is JSON.
        LogFormat.apply(cfg.litellm().jsonLogs());
        ConfigLoader.logFindings(loaded, configPath.toString());
        TollgateServer server;
        try {
            server = TollgateServer.start(cfg, host, port, Path.of(dataDir));
        } catch (ConfigException e) {
            fail("Invalid config " + configPath + ": " + e.getMessage());
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            server.close();
                            stopped.countDown();
                            // A JVM ended by SIGTERM/SIGINT exits with 128 + signal even after a clean shutdown;
                            // once everything is drained and flushed, the stop was orderly: report 0. (If close()
                            // threw, this line is not reached and the signal's status stays.)
                            Runtime.getRuntime().halt(0);
                        },
                        "tollgate-shutdown"));
        stopped.await();
    }

    private static String require(String flag, String value) {
        if (value == null) {
            fail(flag + " needs a value");
        }
        return value;
    }

    private static void fail(String message) {
        System.err.println("tollgate: " + message);
        System.exit(2);
    }
}
