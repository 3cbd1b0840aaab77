package dev.tollgate.testing;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

/**
 * A real local webhook receiver for tests: records every POST to {@link #url()} with its Standard
 * Webhooks headers, answers with scripted statuses (then 200), optionally slowly.
 */
public final class WebhookReceiver implements AutoCloseable {
    /**
     * One delivery as received.
     *
     * @param protocol the request line's protocol, e.g. {@code HTTP/1.1}
     * @param upgrade  the {@code Upgrade} header, or null when the client asked for no protocol switch
     */
    public record Hit(
            String id,
            String timestamp,
            String signature,
            String contentType,
            String body,
            long atMs,
            String protocol,
            String upgrade) {
        /** Whether this is an event of type {@code event} (its {@code "event"} field). */
        public boolean is(String event) {
            return body.contains("\"event\":\"" + event + "\"");
        }
    }

    private final HttpServer server;
    /** Every delivery, in arrival order. */
    public final List<Hit> hits = new CopyOnWriteArrayList<>();

    private final ConcurrentLinkedQueue<Integer> script = new ConcurrentLinkedQueue<>();
    /** Milliseconds to wait before answering each delivery (0: at once). */
    public volatile long delayMs;

    public WebhookReceiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newFixedThreadPool(8, r -> {
            Thread t = new Thread(r, "test-webhook-receiver");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/hook", ex -> {
            byte[] body;
            try (InputStream in = ex.getRequestBody()) {
                body = in.readAllBytes();
            }
            var h = ex.getRequestHeaders();
            hits.add(new Hit(
                    h.getFirst("webhook-id"),
                    h.getFirst("webhook-timestamp"),
                    h.getFirst("webhook-signature"),
                    h.getFirst("content-type"),
                    new String(body, StandardCharsets.UTF_8),
                    System.currentTimeMillis(),
                    ex.getProtocol(),
                    h.getFirst("upgrade")));
            if (delayMs > 0) {
                try {
                    Thread.sleep(delayMs);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            Integer status = script.poll();
            ex.sendResponseHeaders(status == null ? 200 : status, -1);
            ex.close();
        });
        server.start();
    }

    /** Answers the next deliveries with these statuses, in order; 200 after them. */
    public WebhookReceiver answering(Integer... statuses) {
        script.addAll(List.of(statuses));
        return this;
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
    }

    /** The deliveries of one event id (retries of one event share it). */
    public List<Hit> hitsFor(String id) {
        return hits.stream().filter(h -> id.equals(h.id())).toList();
    }

    /** The deliveries of one event type. */
    public List<Hit> events(String event) {
        return hits.stream().filter(h -> h.is(event)).toList();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
