package dev.tollgate.core.limits;

import java.util.function.Consumer;

/**
 * Tells every instance that a customer's cached policy is stale (after an admin write or a budget
 * reset). In-process for a single instance, Redis pub/sub ({@code tg:events}) for a fleet.
 */
public interface InvalidationBus extends AutoCloseable {
    /** Message meaning "drop every cached policy". */
    String ALL = "*";

    void publish(String customerIdOrAll);

    void subscribe(Consumer<String> listener);

    @Override
    void close();
}
