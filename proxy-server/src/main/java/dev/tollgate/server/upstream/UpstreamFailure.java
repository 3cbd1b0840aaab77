package dev.tollgate.server.upstream;

/** Why an upstream call failed; decides 502 vs 504 and the wording of the error. */
public final class UpstreamFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public enum Kind {
        CONNECT_REFUSED,
        CONNECT_TIMEOUT,
        FIRST_BYTE_TIMEOUT,
        TOTAL_TIMEOUT,
        RESET,
        PROTOCOL
    }

    private final Kind kind;

    public UpstreamFailure(Kind kind, String message) {
        super(message, null, false, false);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    public boolean isTimeout() {
        return kind == Kind.CONNECT_TIMEOUT || kind == Kind.FIRST_BYTE_TIMEOUT || kind == Kind.TOTAL_TIMEOUT;
    }
}
