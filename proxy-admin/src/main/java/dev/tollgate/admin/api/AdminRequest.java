package dev.tollgate.admin.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * An admin API call, already authenticated by the HTTP edge.
 *
 * @param body  the parsed JSON body, or {@code null} for GET / empty bodies
 * @param actor who calls, for {@code created_by}/{@code updated_by} (LiteLLM: {@code default_user_id})
 */
public record AdminRequest(String method, String path, Map<String, List<String>> query, JsonNode body, String actor) {

    /** First value of a query parameter, or null. */
    public String queryParam(String name) {
        List<String> values = query.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }
}
