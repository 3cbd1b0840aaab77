package dev.tollgate.admin.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.core.error.ErrorKind;
import dev.tollgate.core.error.TollgateException;
import java.util.List;

/**
 * LiteLLM fields Tollgate accepts on the wire but does not enforce yet. A field the API accepts is
 * enforced or refused: a non-null value here is a 400 naming the field, so nobody believes a limit
 * protects them when it is only stored. Null is accepted (LiteLLM clients send explicit nulls).
 * A field leaves this list in the commit that enforces it.
 */
final class UnsupportedFields {
    static final List<String> FIELDS = List.of();

    private UnsupportedFields() {}

    static void reject(ObjectNode body) {
        for (String f : FIELDS) {
            JsonNode n = body.get(f);
            if (n != null && !n.isNull()) {
                throw new TollgateException(
                        ErrorKind.BAD_REQUEST,
                        f + " is not supported yet: Tollgate does not enforce it, so it is refused rather than"
                                + " stored and ignored. Remove the field or send null.",
                        f);
            }
        }
    }
}
