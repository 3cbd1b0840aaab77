package dev.tollgate.core.error;

/**
 * Every failure Tollgate can answer with, mapped in this one place to an HTTP status and the
 * OpenAI error {@code type}. {@code code} defaults to the status as a string (LiteLLM's habit);
 * a few kinds carry OpenAI's symbolic code instead.
 */
public enum ErrorKind {
    INVALID_REQUEST(400, "invalid_request_error", null),
    BAD_REQUEST(400, "bad_request", null),
    AUTHENTICATION(401, "auth_error", null),
    CUSTOMER_BLOCKED(403, "permission_denied", null),
    NOT_FOUND(404, "not_found", null),
    ROUTE_NOT_FOUND(404, "invalid_request_error", "route_not_found"),
    MODEL_NOT_FOUND(404, "invalid_request_error", "model_not_found"),
    METHOD_NOT_ALLOWED(405, "invalid_request_error", "method_not_allowed"),
    REQUEST_TIMEOUT(408, "invalid_request_error", "request_timeout"),
    CONFLICT(409, "conflict", null),
    PAYLOAD_TOO_LARGE(413, "invalid_request_error", "request_too_large"),
    URI_TOO_LONG(414, "invalid_request_error", "uri_too_long"),
    UNPROCESSABLE(422, "unprocessable_entity", null),
    HEADERS_TOO_LARGE(431, "invalid_request_error", "headers_too_large"),
    /** Status is 400 by default, 429 when {@code general_settings.budget_exceeded_status: 429}. */
    BUDGET_EXCEEDED(400, "budget_exceeded", null),
    RATE_LIMITED(429, "rate_limit_exceeded", null),
    INTERNAL(500, "internal_server_error", null),
    UPSTREAM_ERROR(502, "upstream_error", null),
    SERVICE_UNAVAILABLE(503, "service_unavailable", null),
    UPSTREAM_TIMEOUT(504, "timeout", null);

    private final int status;
    private final String type;
    private final String code;

    ErrorKind(int status, String type, String code) {
        this.status = status;
        this.type = type;
        this.code = code;
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    /** The {@code code} field of the error body for the given status. */
    public String code(int effectiveStatus) {
        return code != null ? code : Integer.toString(effectiveStatus);
    }
}
