package dev.tollgate.admin.api;

import com.fasterxml.jackson.databind.JsonNode;

/** A JSON answer of the admin API. Errors are thrown as {@code TollgateException}, not returned. */
public record AdminResponse(int status, JsonNode body) {
    public static AdminResponse ok(JsonNode body) {
        return new AdminResponse(200, body);
    }
}
