package dev.tollgate.core.limits;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** Single-instance bus: delivers synchronously to the local subscribers. */
public final class LocalInvalidationBus implements InvalidationBus {
    private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();

    @Override
    public void publish(String customerIdOrAll) {
        for (Consumer<String> l : listeners) {
            l.accept(customerIdOrAll);
        }
    }

    @Override
    public void subscribe(Consumer<String> listener) {
        listeners.add(listener);
    }

    @Override
    public void close() {
        listeners.clear();
    }
}
