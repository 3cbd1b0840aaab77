package dev.tollgate.core.error;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.core.json.Json;
import dev.tollgate.core.sse.SseEvent;

/** Renders the OpenAI error shape {@code {"error":{"message","type","param","code"}}}. */
public final class ErrorBody {
    private ErrorBody() {}

    public static ObjectNode of(TollgateException e) {
        return of(e.kind(), e.getMessage(), e.param(), e.status());
    }

    public static ObjectNode of(ErrorKind kind, String message, String param, int status) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        ObjectNode error = root.putObject("error");
        error.put("message", message);
        error.put("type", kind.type());
        if (param == null) {
            error.putNull("param");
        } else {
            error.put("param", param);
        }
        error.put("code", kind.code(status));
        return root;
    }

    public static byte[] bytes(TollgateException e) {
        return Json.bytes(of(e));
    }

    /** An SSE error event for a stream that fails after its headers were sent. */
    public static byte[] sseEvent(ErrorKind kind, String message) {
        return SseEvent.frame(Json.bytes(of(kind, message, null, kind.status())));
    }
}
