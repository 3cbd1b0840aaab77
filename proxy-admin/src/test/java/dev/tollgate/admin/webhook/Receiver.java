package dev.tollgate.admin.webhook;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

/** A real local HTTP webhook receiver: records every POST and answers with scripted statuses (then 200). */
final class Receiver implements AutoCloseable {
    record Hit(String id, String timestamp, String signature, String contentType, String body, long atMs) {
    }

    private final HttpServer server;
    final List<Hit> hits = new CopyOnWriteArrayList<>();
    final ConcurrentLinkedQueue<Integer> script = new ConcurrentLinkedQueue<>();

    Receiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newFixedThreadPool(4, r -> {
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
            hits.add(new Hit(h.getFirst("webhook-id"), h.getFirst("webhook-timestamp"), h.getFirst("webhook-signature"),
                    h.getFirst("content-type"), new String(body, StandardCharsets.UTF_8), System.currentTimeMillis()));
            Integer status = script.poll();
            ex.sendResponseHeaders(status == null ? 200 : status, -1);
            ex.close();
        });
        server.start();
    }

    Receiver answering(Integer... statuses) {
        script.addAll(List.of(statuses));
        return this;
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
    }

    List<Hit> hitsFor(String id) {
        return hits.stream().filter(h -> id.equals(h.id())).toList();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
