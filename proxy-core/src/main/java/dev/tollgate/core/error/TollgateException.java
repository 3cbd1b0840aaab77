package dev.tollgate.core.error;

import java.util.Map;

/**
 * A failure that already knows how it looks on the wire. Thrown anywhere below the HTTP edge;
 * the edge turns it into a response in exactly one place. No stack trace is captured: these are
 * expected outcomes, not bugs.
 */
public final class TollgateException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ErrorKind kind;
    private final String param;
    private final int status;
    private final Map<String, String> headers;

    public TollgateException(ErrorKind kind, String message) {
        this(kind, message, null, kind.status(), Map.of());
    }

    public TollgateException(ErrorKind kind, String message, String param) {
        this(kind, message, param, kind.status(), Map.of());
    }

    public TollgateException(ErrorKind kind, String message, String param, int status, Map<String, String> headers) {
        super(message, null, false, false);
        this.kind = kind;
        this.param = param;
        this.status = status;
        this.headers = Map.copyOf(headers);
    }

    public ErrorKind kind() {
        return kind;
    }

    /** The {@code param} field; null renders as JSON null. */
    public String param() {
        return param;
    }

    public int status() {
        return status;
    }

    /** Extra response headers (retry-after, x-should-retry, rate-limit headers...). */
    public Map<String, String> headers() {
        return headers;
    }
}
