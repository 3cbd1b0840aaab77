package dev.tollgate.bench.scenario;

import dev.tollgate.bench.gc.GcActivity;
import dev.tollgate.bench.gc.GcLog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;

/**
 * Something the load is sent to: the upstream itself (direct), nginx, or a Tollgate. Each has one
 * port (or model) per {@link Upstream} so one process serves all three upstreams.
 */
public final class Target implements AutoCloseable {
    public enum Kind {
        DIRECT,
        NGINX,
        TOLLGATE
    }

    private final String name;
    private final Kind kind;
    private final Map<Upstream, Integer> ports;
    private final Map<Upstream, String> models;
    private final Map<String, String> headers;
    private final ChildProcess process;
    private final String note;
    /** The JVM's {@code -Xlog:gc} file (Tollgate); null for targets that are no JVM. */
    private final GcLog gcLog;

    private long maxRss;
    private long maxHeap;

    Target(
            String name,
            Kind kind,
            Map<Upstream, Integer> ports,
            Map<Upstream, String> models,
            Map<String, String> headers,
            ChildProcess process,
            String note) {
        this(name, kind, ports, models, headers, process, note, null);
    }

    Target(
            String name,
            Kind kind,
            Map<Upstream, Integer> ports,
            Map<Upstream, String> models,
            Map<String, String> headers,
            ChildProcess process,
            String note,
            GcLog gcLog) {
        this.gcLog = gcLog;
        this.name = name;
        this.kind = kind;
        this.ports = new EnumMap<>(ports);
        this.models = new EnumMap<>(models);
        this.headers = Map.copyOf(headers);
        this.process = process;
        this.note = note;
    }

    public String name() {
        return name;
    }

    public Kind kind() {
        return kind;
    }

    public String note() {
        return note;
    }

    public int port(Upstream u) {
        return ports.get(u);
    }

    public String model(Upstream u) {
        return models.get(u);
    }

    public Map<String, String> headers() {
        return headers;
    }

    public ChildProcess process() {
        return process;
    }

    /** CPU seconds of the proxy process(es); 0 for direct. */
    public double cpuSeconds() {
        return process == null ? 0 : process.cpuSeconds();
    }

    /** Whether the GC's allocation and pauses are observed ({@link #markGc}, {@link #gcSince}). */
    public boolean observesGc() {
        return gcLog != null;
    }

    /** The start of a GC window: the log's position and the heap in use now. */
    public GcLog.Mark markGc() {
        try {
            return gcLog.mark(heapUsedBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What the GC did since {@code mark}. */
    public GcActivity gcSince(GcLog.Mark mark) {
        try {
            return gcLog.since(mark, heapUsedBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Samples RSS and (Tollgate) heap in use, keeping the maxima. */
    public void sampleMemory() {
        if (process == null) {
            return;
        }
        maxRss = Math.max(maxRss, process.rssBytes());
        if (kind == Kind.TOLLGATE) {
            maxHeap = Math.max(maxHeap, heapUsedBytes());
        }
    }

    public long maxRss() {
        return maxRss;
    }

    public long maxHeap() {
        return maxHeap;
    }

    /** Heap in use now, from Tollgate's {@code /metrics} (sum of the heap pools); -1 when unknown. */
    public long heapUsedBytes() {
        if (kind != Kind.TOLLGATE) {
            return -1;
        }
        try {
            String text = get("/metrics");
            double sum = 0;
            for (String line : text.split("\n")) {
                if (line.startsWith("jvm_memory_used_bytes{") && line.contains("area=\"heap\"")) {
                    sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
            return (long) sum;
        } catch (Exception e) {
            return -1;
        }
    }

    /** A GET on the target's first port (Tollgate: admin and health routes). */
    public String get(String path) throws Exception {
        HttpClient client =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port(Upstream.FAST) + path))
                .timeout(Duration.ofSeconds(10))
                .GET();
        headers.forEach(b::header);
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    @Override
    public void close() {
        if (process != null) {
            process.stop(35_000);
        }
    }
}
