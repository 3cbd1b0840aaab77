package dev.tollgate.core.usage;

/** Receives one {@link CallRecord} per finished call. Must not block: it runs on an event loop. */
@FunctionalInterface
public interface CallListener {
    void onCall(CallRecord record);
}
