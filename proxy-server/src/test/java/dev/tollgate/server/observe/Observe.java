package dev.tollgate.server.observe;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;

/** Test helpers of the observability tests: a webhook receiver, throw-away PostgreSQL databases, waiting. */
final class Observe {
    static final String PG_ADMIN = "jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres";

    private Observe() {
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(10);
        }
    }

    static String sha256(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    }

    /** A fresh PostgreSQL database, dropped on close. */
    record Pg(String name) implements AutoCloseable {
        static Pg create() throws Exception {
            String name = "tg_obs_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
            try (Connection c = DriverManager.getConnection(PG_ADMIN); Statement s = c.createStatement()) {
                s.execute("CREATE DATABASE " + name);
            }
            return new Pg(name);
        }

        String url() {
            return "jdbc:postgresql://127.0.0.1:5432/" + name + "?user=postgres";
        }

        long count(String sql) throws Exception {
            try (Connection c = DriverManager.getConnection(url()); Statement s = c.createStatement();
                    var rs = s.executeQuery(sql)) {
                rs.next();
                return rs.getLong(1);
            }
        }

        @Override
        public void close() throws Exception {
            try (Connection c = DriverManager.getConnection(PG_ADMIN); Statement s = c.createStatement()) {
                s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
            }
        }
    }

    /** A real local webhook receiver: records every POST, answers with scripted statuses (then 200), optionally slowly. */
    static final class Receiver implements AutoCloseable {
        record Hit(String id, String timestamp, String signature, String body) {
            boolean is(String event) {
                return body.contains("\"event\":\"" + event + "\"");
            }
        }

        private final HttpServer server;
        final List<Hit> hits = new CopyOnWriteArrayList<>();
        final ConcurrentLinkedQueue<Integer> script = new ConcurrentLinkedQueue<>();
        volatile long delayMs;

        Receiver() throws IOException {
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
                hits.add(new Hit(h.getFirst("webhook-id"), h.getFirst("webhook-timestamp"), h.getFirst("webhook-signature"),
                        new String(body, StandardCharsets.UTF_8)));
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

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
        }

        List<Hit> events(String event) {
            return hits.stream().filter(h -> h.is(event)).toList();
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }
}
