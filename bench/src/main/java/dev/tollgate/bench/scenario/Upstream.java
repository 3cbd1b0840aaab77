package dev.tollgate.bench.scenario;

/** The three fake upstreams of {@link UpstreamsMain}. */
public enum Upstream {
    /** 0 ms latency. */
    FAST,
    /** 20 ms before the first byte. */
    SLOW,
    /** 0 ms latency, 250 ms between stream chunks (5 s streams). */
    DRIP;

    public String label() {
        return switch (this) {
            case FAST -> "0 ms";
            case SLOW -> "20 ms";
            case DRIP -> "drip";
        };
    }
}
