package dev.tollgate.server.logging;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import net.logstash.logback.encoder.LogstashEncoder;
import org.slf4j.LoggerFactory;

/**
 * Switches the process's logs to one JSON object per line ({@code litellm_settings.json_logs} or
 * {@code JSON_LOGS}), for log shippers such as Fluentd, Vector or Filebeat. The fields are the
 * logstash-logback-encoder's: {@code @timestamp}, {@code level}, {@code logger_name},
 * {@code thread_name}, {@code message}, {@code stack_trace}.
 */
public final class LogFormat {
    static final String JSON_APPENDER = "JSON";

    private LogFormat() {}

    /** Replaces the root logger's appenders by one JSON console appender when {@code json}; no-op otherwise. */
    public static void apply(boolean json) {
        if (json && LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
            useJson(context);
        }
    }

    static void useJson(LoggerContext context) {
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        if (root.getAppender(JSON_APPENDER) != null) {
            return;
        }
        LogstashEncoder encoder = new LogstashEncoder();
        encoder.setContext(context);
        encoder.start();
        ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
        appender.setName(JSON_APPENDER);
        appender.setContext(context);
        appender.setEncoder(encoder);
        appender.start();

        List<Appender<ILoggingEvent>> previous = new ArrayList<>();
        for (Iterator<Appender<ILoggingEvent>> it = root.iteratorForAppenders(); it.hasNext(); ) {
            previous.add(it.next());
        }
        root.addAppender(appender);
        for (Appender<ILoggingEvent> old : previous) {
            root.detachAppender(old);
            old.stop();
        }
    }
}
