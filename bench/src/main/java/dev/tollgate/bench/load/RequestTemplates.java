package dev.tollgate.bench.load;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The raw HTTP/1.1 bytes of every request of a run, one per customer, built once before the run
 * so the generator does no encoding work on the hot path. Bodies are a small chat completion with
 * {@code max_tokens} set (so a proxy's reservation is small and exact), or, for the large-prompt
 * points, a long conversation of about {@link LoadSpec#promptBytes()} bytes.
 */
public final class RequestTemplates {
    private final byte[][] requests;

    public RequestTemplates(LoadSpec spec) {
        StringBuilder head = new StringBuilder();
        head.append("POST ").append(spec.path()).append(" HTTP/1.1\r\n");
        head.append("Host: ")
                .append(spec.host())
                .append(':')
                .append(spec.port())
                .append("\r\n");
        head.append("Content-Type: application/json\r\n");
        head.append("Accept: ")
                .append(spec.stream() ? "text/event-stream" : "application/json")
                .append("\r\n");
        for (Map.Entry<String, String> h : spec.headers().entrySet()) {
            head.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n");
        }
        String prefix = head.toString();
        requests = new byte[spec.customers()][];
        for (int i = 0; i < requests.length; i++) {
            String body = body(spec.model(), "cust-" + i, spec.stream(), spec.promptBytes());
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            byte[] h = (prefix + "Content-Length: " + b.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
            byte[] all = new byte[h.length + b.length];
            System.arraycopy(h, 0, all, 0, h.length);
            System.arraycopy(b, 0, all, h.length, b.length);
            requests[i] = all;
        }
    }

    /**
     * A large-prompt body of about {@code promptBytes} bytes (0: the small {@link #body(String,
     * String, boolean)}): a system message and one long user message of lines of text (as a RAG
     * context or a long transcript is), {@code max_tokens: 16}. The fields come in the order the
     * OpenAI Python SDK writes them: {@code messages} first, {@code model} and {@code user} after it.
     */
    public static String body(String model, String customer, boolean stream, int promptBytes) {
        if (promptBytes == 0) {
            return body(model, customer, stream);
        }
        String system = "You are a helpful assistant. Answer from the context below.";
        int words = Math.max(1, (promptBytes - 200) / FILLER_BYTES);
        StringBuilder user = new StringBuilder(words * FILLER.length());
        for (int i = 0; i < words; i++) {
            user.append(FILLER);
        }
        return "{\"messages\":[{\"role\":\"system\",\"content\":\"" + system + "\"},"
                + "{\"role\":\"user\",\"content\":\"" + user + "\"}],"
                + "\"model\":\"" + model + "\",\"max_tokens\":16," + (stream ? "\"stream\":true," : "")
                + "\"user\":\"" + customer + "\"}";
    }

    /**
     * About 20 tokens of text as prompts carry it: a line break (a JSON escape), a quoted word
     * (escaped quotes) and a non-ASCII character in every line, which the proxy's check of the
     * messages must step over as well as plain letters; a 400 KB prompt is about 100,000 tokens.
     */
    private static final String FILLER =
            "The toll gate opens at dawn \u2013 and closes at \\\"dusk\\\", says the keeper.\\n";

    private static final int FILLER_BYTES = FILLER.getBytes(StandardCharsets.UTF_8).length;

    /** The JSON body sent for one customer. */
    public static String body(String model, String customer, boolean stream) {
        return "{\"model\":\"" + model + "\",\"user\":\"" + customer + "\",\"max_tokens\":64,"
                + (stream ? "\"stream\":true," : "")
                + "\"messages\":[{\"role\":\"system\",\"content\":\"You are a helpful assistant.\"},"
                + "{\"role\":\"user\",\"content\":\"Write one short sentence about toll gates.\"}]}";
    }

    public int size() {
        return requests.length;
    }

    /** Request bytes for the {@code n}-th request of a run (customers cycle round-robin). */
    public byte[] request(long n) {
        return requests[(int) (n % requests.length)];
    }
}
