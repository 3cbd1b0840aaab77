package dev.tollgate.core.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.core.error.ErrorKind;
import dev.tollgate.core.error.TollgateException;
import dev.tollgate.core.json.Json;
import java.util.Map;

/**
 * Anthropic's error answers ({@code {"type":"error","error":{"type":...,"message":...}}}) as
 * Tollgate errors, so the client gets the OpenAI error shape and the status an OpenAI SDK
 * reacts to correctly: a client mistake stays 4xx (not retried), an upstream rate limit 429 and
 * an overloaded upstream (Anthropic's 529, which SDKs do not know) 503 (both retried), an
 * Anthropic server error a 502.
 */
public final class AnthropicErrors {
    private AnthropicErrors() {}

    private record Mapping(ErrorKind kind, int status) {}

    private static final Map<String, Mapping> BY_TYPE = Map.of(
            "invalid_request_error", new Mapping(ErrorKind.INVALID_REQUEST, 400),
            "authentication_error", new Mapping(ErrorKind.AUTHENTICATION, 401),
            "billing_error", new Mapping(ErrorKind.CUSTOMER_BLOCKED, 403),
            "permission_error", new Mapping(ErrorKind.CUSTOMER_BLOCKED, 403),
            "not_found_error", new Mapping(ErrorKind.NOT_FOUND, 404),
            "request_too_large", new Mapping(ErrorKind.PAYLOAD_TOO_LARGE, 413),
            "rate_limit_error", new Mapping(ErrorKind.RATE_LIMITED, 429),
            "api_error", new Mapping(ErrorKind.UPSTREAM_ERROR, 502),
            "timeout_error", new Mapping(ErrorKind.UPSTREAM_TIMEOUT, 504),
            "overloaded_error", new Mapping(ErrorKind.SERVICE_UNAVAILABLE, 503));

    /**
     * The error for an Anthropic error event or answer body; {@code httpStatus} decides when the
     * body is not Anthropic's error shape (0 inside a stream).
     *
     * @param retryAfter the upstream's {@code retry-after}, passed on with a 429 or 503; may be null
     */
    public static TollgateException of(int httpStatus, String body, String retryAfter) {
        JsonNode error = null;
        try {
            JsonNode root = Json.MAPPER.readTree(body);
            error = root == null ? null : root.get("error");
        } catch (Exception notJson) {
            // described below
        }
        if (error == null || !error.isObject()) {
            String snippet = body.length() > 300 ? body.substring(0, 300) : body;
            return new TollgateException(
                    ErrorKind.UPSTREAM_ERROR, "Anthropic returned HTTP " + httpStatus + ": " + snippet);
        }
        String type = error.path("type").asText("");
        Mapping m = BY_TYPE.get(type);
        if (m == null) {
            m = httpStatus >= 400 && httpStatus < 500
                    ? new Mapping(ErrorKind.INVALID_REQUEST, httpStatus)
                    : new Mapping(ErrorKind.UPSTREAM_ERROR, 502);
        }
        Map<String, String> headers = retryAfter != null && (m.status() == 429 || m.status() == 503)
                ? Map.of("retry-after", retryAfter)
                : Map.of();
        return new TollgateException(
                m.kind(), "Anthropic " + type + ": " + error.path("message").asText(""), null, m.status(), headers);
    }

    /**
     * Tollgate's own error (a refusal, a bad request, an upstream failure) in Anthropic's error shape,
     * for clients of {@code /v1/messages}: {@code {"type":"error","error":{"type":...,"message":...}}}
     * with Anthropic's type for the status.
     */
    public static byte[] bytes(TollgateException e) {
        var root = Json.MAPPER.createObjectNode().put("type", "error");
        root.putObject("error").put("type", typeFor(e.status())).put("message", e.getMessage());
        return Json.bytes(root);
    }

    static String typeFor(int status) {
        return switch (status) {
            case 401 -> "authentication_error";
            case 403 -> "permission_error";
            case 404 -> "not_found_error";
            case 413 -> "request_too_large";
            case 429 -> "rate_limit_error";
            case 503 -> "overloaded_error";
            case 504 -> "timeout_error";
            default -> status >= 400 && status < 500 ? "invalid_request_error" : "api_error";
        };
    }
}
