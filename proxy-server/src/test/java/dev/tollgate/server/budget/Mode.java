package dev.tollgate.server.budget;

/** The two storage set-ups every main suite runs against. */
public enum Mode {
    /** In-process limit store and embedded H2 under the data directory (the default). */
    EMBEDDED("embedded"),
    /** Redis limit store (own key prefix) and a throw-away PostgreSQL database. */
    REDIS_POSTGRES("redis+postgres");

    private final String label;

    Mode(String label) {
        this.label = label;
    }

    @Override
    public String toString() {
        return label;
    }
}
