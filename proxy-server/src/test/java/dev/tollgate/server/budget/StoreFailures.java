package dev.tollgate.server.budget;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.LoggerFactory;

/**
 * Counts the proxy's own reports of limit-store failures (admits let through unchecked, settles
 * not recorded). On an overloaded host Redis commands can miss their 250 ms timeout; a test uses
 * this to tell such a run apart from a clean one instead of failing at random.
 */
final class StoreFailures extends AppenderBase<ILoggingEvent> implements AutoCloseable {
    private final AtomicInteger count = new AtomicInteger();
    private final Logger root = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);

    StoreFailures() {
        setName("store-failures");
        start();
        root.addAppender(this);
    }

    @Override
    protected void append(ILoggingEvent e) {
        if (e.getLevel().isGreaterOrEqual(Level.WARN)
                && (e.getLoggerName().endsWith(".Settlement")
                        || e.getLoggerName().endsWith(".Admission")
                        || e.getLoggerName().endsWith(".RedisLimitStore"))) {
            count.incrementAndGet();
        }
    }

    int count() {
        return count.get();
    }

    @Override
    public void close() {
        root.detachAppender(this);
        stop();
    }
}
