package dev.tollgate.core.customer;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.core.error.ErrorKind;
import dev.tollgate.core.error.TollgateException;
import dev.tollgate.core.json.Json;
import java.io.IOException;
import java.util.List;
import java.util.function.Function;

/**
 * Finds the customer a request is for. The sources ({@link CustomerIdSource}) are tried in the
 * configured order and the first that names a customer wins; by default:
 * <ol>
 *   <li>headers {@code x-litellm-customer-id}, {@code x-litellm-end-user-id}, then the configured
 *       customer headers ({@code user_header_mappings} role customer, {@code user_header_name});
 *       values are trimmed;</li>
 *   <li>body {@code user};</li>
 *   <li>body {@code safety_identifier};</li>
 *   <li>{@code litellm_metadata.user}, then {@code metadata.user_id} (an object or a JSON string).</li>
 * </ol>
 * A source that is absent, null or blank names no customer and the next one is tried. Body
 * {@code user} and {@code safety_identifier} must be a string or an integer (written in decimal,
 * as LiteLLM does); a boolean, a fraction, an object or an array is a 400 rather than a customer
 * called "true" or "1.5E+300". In metadata, which is free-form, such values are ignored. The id
 * found must obey {@link CustomerIds}, or the call gets a 400 naming the field it came from.
 *
 * <p>The one id resolved here is used for checks, spend, rate limits, webhooks and metrics alike.
 * Thread-safe; runs per request, so it allocates only when it must (a trim, a stringified number,
 * a JSON string metadata).
 */
public final class CustomerIdResolver {
    private static final String[] STANDARD_HEADERS = {"x-litellm-customer-id", "x-litellm-end-user-id"};

    private final String[] headers;
    private final CustomerIdSource[] order;

    /** The default order ({@link CustomerIdSource#DEFAULT_ORDER}). */
    public CustomerIdResolver(List<String> customerHeaders) {
        this(customerHeaders, CustomerIdSource.DEFAULT_ORDER);
    }

    /**
     * @param customerHeaders lower-case header names from {@code GeneralSettings.customerHeaders()}
     * @param order           the sources to try, first match wins; a source not listed is never read
     */
    public CustomerIdResolver(List<String> customerHeaders, List<CustomerIdSource> order) {
        String[] all = new String[STANDARD_HEADERS.length + customerHeaders.size()];
        System.arraycopy(STANDARD_HEADERS, 0, all, 0, STANDARD_HEADERS.length);
        for (int i = 0; i < customerHeaders.size(); i++) {
            all[STANDARD_HEADERS.length + i] = customerHeaders.get(i);
        }
        this.headers = all;
        this.order = order.toArray(new CustomerIdSource[0]);
    }

    /**
     * @param header returns a header's value by lower-case name, or null when absent
     * @param body   the request body's identity fields (may be null for bodiless requests)
     * @return the customer id, or null when the request names none
     * @throws TollgateException INVALID_REQUEST, {@code param} the field the id came from, for an id
     *                           that breaks {@link CustomerIds}' rule or a {@code user} /
     *                           {@code safety_identifier} of the wrong type
     */
    public String resolve(Function<String, String> header, JsonNode body) {
        JsonNode fields = body != null && body.isObject() ? body : null;
        for (CustomerIdSource source : order) {
            String id = switch (source) {
                case HEADER -> fromHeaders(header);
                case USER -> fields == null ? null : fromBodyField(fields, "user");
                case SAFETY_IDENTIFIER -> fields == null ? null : fromBodyField(fields, "safety_identifier");
                case METADATA -> fields == null ? null : fromMetadata(fields);
            };
            if (id != null) {
                return id;
            }
        }
        return null;
    }

    private String fromHeaders(Function<String, String> header) {
        for (String name : headers) {
            String value = header.apply(name);
            if (value != null) {
                String trimmed = value.trim();
                if (!trimmed.isEmpty()) {
                    return CustomerIds.require(trimmed, "customer id in header " + name, name);
                }
            }
        }
        return null;
    }

    /** {@code user} or {@code safety_identifier}: a string or an integer; anything else is refused. */
    private static String fromBodyField(JsonNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        String text = idText(value);
        if (text == null) {
            throw new TollgateException(
                    ErrorKind.INVALID_REQUEST,
                    "Invalid customer id: '" + field + "' must be a string (or an integer), got " + shortJson(value),
                    field);
        }
        return text.isBlank() ? null : CustomerIds.require(text, "customer id in '" + field + "'", field);
    }

    private static String fromMetadata(JsonNode body) {
        String id = fromMetadata(body.get("litellm_metadata"), "user");
        if (id != null) {
            return CustomerIds.require(id, "customer id in 'litellm_metadata.user'", "litellm_metadata");
        }
        id = fromMetadata(body.get("metadata"), "user_id");
        return id == null ? null : CustomerIds.require(id, "customer id in 'metadata.user_id'", "metadata");
    }

    /** A string or integer field of a metadata object, or of a JSON string holding one; anything else is ignored. */
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
        String text = value == null ? null : idText(value);
        return text == null || text.isBlank() ? null : text;
    }

    /** The text of a string, or the decimal digits of an integer; null for every other kind of value. */
    private static String idText(JsonNode value) {
        if (value.isTextual()) {
            return value.textValue();
        }
        if (value.isIntegralNumber()) {
            return value.bigIntegerValue().toString();
        }
        return null;
    }

    private static String shortJson(JsonNode value) {
        String s = value.toString();
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
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
}
