package dev.tollgate.core.customer;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.core.error.ErrorKind;
import dev.tollgate.core.error.TollgateException;
import dev.tollgate.core.json.Json;
import java.io.IOException;
import java.util.List;
import java.util.function.Function;

/**
 * Finds the customer a request is for, in LiteLLM's order (first match wins):
 * <ol>
 *   <li>headers {@code x-litellm-customer-id}, then {@code x-litellm-end-user-id};</li>
 *   <li>the configured customer headers ({@code user_header_mappings} role customer, then
 *       {@code user_header_name}), non-blank values only;</li>
 *   <li>body {@code user}, when present and not null; scalars are stringified and an empty string
 *       means "no customer" (LiteLLM returns it and then ignores it);</li>
 *   <li>{@code litellm_metadata.user} (the metadata may be an object or a JSON string);</li>
 *   <li>{@code metadata.user_id} (likewise).</li>
 * </ol>
 * The one id resolved here is used for checks, spend, rate limits, webhooks and metrics alike.
 * Thread-safe; runs per request, so it allocates only when it must (a trim, a stringified number,
 * a JSON string metadata).
 */
public final class CustomerIdResolver {
    /** Longest accepted id, matching the width of the customer id column. */
    public static final int MAX_LENGTH = 256;

    static final String INVALID_ID = "Invalid customer id: must be at most 256 characters without control characters";

    private static final String[] STANDARD_HEADERS = {"x-litellm-customer-id", "x-litellm-end-user-id"};

    private final String[] configuredHeaders;

    /** @param customerHeaders lower-case header names from {@code GeneralSettings.customerHeaders()} */
    public CustomerIdResolver(List<String> customerHeaders) {
        this.configuredHeaders = customerHeaders.toArray(new String[0]);
    }

    /**
     * @param header returns a header's value by lower-case name, or null when absent
     * @param body   the parsed request body (may be null for bodiless requests)
     * @return the customer id, or null when the request names none
     * @throws TollgateException INVALID_REQUEST (param {@code user}) for an id that is too long, has
     *                           control characters, or a body {@code user} that is an object or array
     */
    public String resolve(Function<String, String> header, JsonNode body) {
        String id = fromHeaders(header, STANDARD_HEADERS);
        if (id == null) {
            id = fromHeaders(header, configuredHeaders);
        }
        if (id == null && body != null && body.isObject()) {
            JsonNode user = body.get("user");
            if (user != null && !user.isNull()) {
                if (user.isContainerNode()) {
                    throw new TollgateException(
                            ErrorKind.INVALID_REQUEST, "Invalid customer id: 'user' must be a string", "user");
                }
                String text = user.asText();
                return text.isEmpty() ? null : validated(text);
            }
            id = fromMetadata(body.get("litellm_metadata"), "user");
            if (id == null) {
                id = fromMetadata(body.get("metadata"), "user_id");
            }
        }
        return id == null ? null : validated(id);
    }

    private static String fromHeaders(Function<String, String> header, String[] names) {
        for (String name : names) {
            String value = header.apply(name);
            if (value != null) {
                String trimmed = value.trim();
                if (!trimmed.isEmpty()) {
                    return trimmed;
                }
            }
        }
        return null;
    }

    /** A scalar field of a metadata object, or of a JSON string holding one; blank or structured values are ignored. */
    private static String fromMetadata(JsonNode metadata, String field) {
        if (metadata == null) {
            return null;
        }
        JsonNode object = metadata;
        if (metadata.isTextual()) {
            object = parseObject(metadata.textValue());
        }
        if (object == null || !object.isObject()) {
            return null;
        }
        JsonNode value = object.get(field);
        if (value == null || value.isNull() || value.isContainerNode()) {
            return null;
        }
        String text = value.asText();
        return text.isBlank() ? null : text;
    }

    private static JsonNode parseObject(String text) {
        if (text.isEmpty() || text.charAt(0) != '{') {
            return null;
        }
        try {
            return Json.MAPPER.readTree(text);
        } catch (IOException e) {
            return null; // not JSON: the metadata names no customer
        }
    }

    private static String validated(String id) {
        if (id.length() > MAX_LENGTH && id.codePointCount(0, id.length()) > MAX_LENGTH) {
            throw invalid();
        }
        for (int i = 0; i < id.length(); i++) {
            if (Character.isISOControl(id.charAt(i))) {
                throw invalid();
            }
        }
        return id;
    }

    private static TollgateException invalid() {
        return new TollgateException(ErrorKind.INVALID_REQUEST, INVALID_ID, "user");
    }
}
