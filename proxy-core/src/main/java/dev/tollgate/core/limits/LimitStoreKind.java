package dev.tollgate.core.limits;

/** Which limit store a proxy runs on, as the readiness output, the overview page and the start-up log name it. */
public enum LimitStoreKind {
    /** {@link InProcessLimitStore}: one instance, no Redis. */
    IN_PROCESS("in-process"),
    /** The Redis store, shared by every instance of a fleet. */
    REDIS("redis");

    private final String label;

    LimitStoreKind(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
