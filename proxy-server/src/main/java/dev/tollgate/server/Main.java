package dev.tollgate.server;

import dev.tollgate.core.config.ConfigException;
import dev.tollgate.core.config.ConfigLoader;
import dev.tollgate.core.config.LoadedConfig;
import dev.tollgate.core.config.TollgateConfig;
import dev.tollgate.server.logging.LogFormat;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code java -jar tollgate.jar [--config FILE] [--host H] [--port P] [--data-dir DIR]}, each option
 * also as {@code --name=value} and with an environment default. Any failure to start prints one
 * line and exits with {@link ExitCode#USAGE} or {@link ExitCode#START_FAILED}; SIGTERM/SIGINT stop
 * gracefully and exit with {@link ExitCode#OK}, or {@link ExitCode#UNFLUSHED} when spend could not
 * be persisted.
 */
@Command(
        name = "tollgate",
        mixinStandardHelpOptions = true,
        versionProvider = Main.BuildVersion.class,
        sortOptions = false,
        usageHelpAutoWidth = true,
        description = "OpenAI-compatible LLM proxy with per-customer spend tracking and budgets.",
        footer = {
            "",
            "Exit codes: 0 clean stop, 1 stopped without persisting all spend, 2 bad usage or config,"
                    + " 3 could not start.",
            "Set TOLLGATE_LOG_LEVEL=DEBUG to see the stack trace behind a startup failure."
        })
public final class Main implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(Main.class);

    @Option(
            names = "--config",
            paramLabel = "FILE",
            defaultValue = "${env:TOLLGATE_CONFIG:-config.yaml}",
            description = "config file, LiteLLM's format (env TOLLGATE_CONFIG; default: ${DEFAULT-VALUE})")
    Path config;

    @Option(
            names = "--host",
            paramLabel = "HOST",
            defaultValue = "${env:TOLLGATE_HOST:-0.0.0.0}",
            description = "address to listen on (env TOLLGATE_HOST; default: ${DEFAULT-VALUE})")
    String host;

    @Option(
            names = "--port",
            paramLabel = "PORT",
            defaultValue = "${env:TOLLGATE_PORT:-4000}",
            description = "port to listen on (env TOLLGATE_PORT; default: ${DEFAULT-VALUE})")
    int port;

    @Option(
            names = "--data-dir",
            paramLabel = "DIR",
            defaultValue = "${env:TOLLGATE_DATA_DIR:-data}",
            description =
                    "directory of the embedded database, used without database_url (env TOLLGATE_DATA_DIR; default: ${DEFAULT-VALUE})")
    Path dataDir;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Parses {@code args} and runs; returns the exit code (a started proxy returns only from a stop). */
    static int run(String[] args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setParameterExceptionHandler((e, a) -> {
            PrintWriter err = e.getCommandLine().getErr();
            err.println("tollgate: " + e.getMessage() + " (see --help)");
            return ExitCode.USAGE;
        });
        cli.setExecutionExceptionHandler((e, c, parsed) -> {
            LOG.debug("Startup failure", e);
            System.err.println("tollgate: could not start: " + Failures.oneLine(e));
            return ExitCode.START_FAILED;
        });
        return cli.execute(args);
    }

    @Override
    public Integer call() throws InterruptedException {
        if (port < 0 || port > 65_535) {
            return fail(ExitCode.USAGE, "--port must be between 0 and 65535, got " + port);
        }
        Path configPath = config.toAbsolutePath().normalize();
        if (!Files.isRegularFile(configPath)) {
            return fail(ExitCode.USAGE, "config file not found: " + configPath + " (--config or TOLLGATE_CONFIG)");
        }
        LoadedConfig loaded;
        try {
            loaded = ConfigLoader.read(configPath, System.getenv());
        } catch (ConfigException e) {
            return fail(ExitCode.USAGE, invalidConfig(configPath, e.getMessage()));
        }
        TollgateConfig cfg = loaded.config();
        // Before the first log line, so that every line of a JSON-logging process is JSON.
        LogFormat.apply(cfg.litellm().jsonLogs());
        ConfigLoader.logFindings(loaded, configPath.toString());
        TollgateServer server;
        try {
            server = TollgateServer.start(cfg, new TollgateServer.Options(host, port, dataDir, configPath.toString()));
        } catch (StartupException e) {
            LOG.debug("Startup failure", e);
            String message =
                    e.exitCode() == ExitCode.USAGE ? invalidConfig(configPath, e.getMessage()) : e.getMessage();
            return fail(e.exitCode(), message);
        }
        stopOnSignal(server);
        new CountDownLatch(1).await(); // the shutdown hook ends the process
        return ExitCode.OK;
    }

    /**
     * SIGTERM/SIGINT run the graceful stop in a JVM shutdown hook, which then ends the process with
     * the stop's exit code: a JVM ended by a signal would otherwise exit with 128 + signal even
     * after an orderly stop.
     */
    private static void stopOnSignal(TollgateServer server) {
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            int code = ExitCode.UNFLUSHED;
                            try {
                                code = server.stop().exitCode();
                            } finally {
                                Runtime.getRuntime().halt(code);
                            }
                        },
                        "tollgate-shutdown"));
    }

    /** A config error; a message of several lines (one per problem) is printed as it is, below the file. */
    private static String invalidConfig(Path configPath, String message) {
        return message.contains("\n")
                ? "invalid config " + configPath + ":\n" + message
                : "invalid config " + configPath + ": " + message;
    }

    private static int fail(int code, String message) {
        System.err.println("tollgate: " + message);
        return code;
    }

    /** {@code --version}: the version the build wrote into the jar. */
    static final class BuildVersion implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"tollgate " + Version.VALUE};
        }
    }
}
