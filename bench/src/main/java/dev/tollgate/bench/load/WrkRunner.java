package dev.tollgate.bench.load;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Max-throughput runs with Debian's {@code wrk} instead of the Java generator. At max throughput
 * the load generator shares the machine's cores with the proxy under test, and wrk (C, one
 * thread) takes far less of them than a JVM does, so more of the machine is left to the target
 * and the ratio between targets says more about the targets. wrk is closed loop, which is what a
 * max-throughput point is; fixed-rate points keep the open-loop Java generator.
 *
 * <p>The request bodies are the generator's ({@link RequestTemplates#body}), one per customer
 * round-robin; a Lua {@code done} hook writes wrk's full latency distribution and error counts
 * to a file, which becomes an ordinary {@link LoadResult}.
 */
public final class WrkRunner {
    private final String wrk;
    private final Path work;

    public WrkRunner(String wrkBinary, Path workDir) {
        this.wrk = wrkBinary;
        this.work = workDir;
    }

    /** Runs {@code spec} (rate must be 0: max): a warm-up run, then the measured one. */
    public LoadResult run(LoadSpec spec) throws IOException, InterruptedException {
        return run(spec, () -> {});
    }

    /** As {@link #run(LoadSpec)}, with {@code atWindowStart} run between the warm-up and the measured run. */
    public LoadResult run(LoadSpec spec, Runnable atWindowStart) throws IOException, InterruptedException {
        if (spec.ratePerSecond() > 0) {
            throw new IllegalArgumentException("wrk runs max-throughput points only");
        }
        Path script = work.resolve("wrk-" + System.nanoTime() + ".lua");
        Path stats = work.resolve("wrk-" + System.nanoTime() + ".out");
        Files.writeString(script, script(spec, stats));
        long warm = 0;
        if (!spec.warmup().isZero()) {
            exec(spec, script, spec.warmup().toMillis(), stats);
            warm = parseInto(new LatencyRecorder(), stats);
        }
        atWindowStart.run();
        LatencyRecorder rec = new LatencyRecorder();
        double seconds = spec.duration().toMillis() / 1000.0;
        exec(spec, script, spec.duration().toMillis(), stats);
        long requests = parseInto(rec, stats);
        Files.deleteIfExists(script);
        Files.deleteIfExists(stats);
        return new LoadResult(spec, rec, requests, requests + warm, seconds, spec.connections());
    }

    private void exec(LoadSpec spec, Path script, long millis, Path stats) throws IOException, InterruptedException {
        Files.deleteIfExists(stats);
        List<String> cmd = new ArrayList<>(List.of(
                wrk,
                "-t1",
                "-c" + spec.connections(),
                "-d" + Math.max(1, millis / 1000) + "s",
                "--timeout",
                Math.max(1, spec.drainTimeout().toSeconds()) + "s",
                "-s",
                script.toString(),
                "http://" + spec.host() + ":" + spec.port()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0 || !Files.exists(stats)) {
            throw new IOException("wrk failed: " + String.join(" ", cmd) + "\n" + out);
        }
    }

    /** Fills {@code rec} from the stats file; returns the answers counted (any status). */
    static long parseInto(LatencyRecorder rec, Path stats) throws IOException {
        long requests = 0;
        long errors = 0;
        for (String line : Files.readAllLines(stats)) {
            String[] f = line.trim().split(" ");
            switch (f[0]) {
                case "requests" -> requests = Long.parseLong(f[1]);
                case "errors" -> errors += Long.parseLong(f[1]);
                case "lat" -> rec.recordOkMicros(Long.parseLong(f[1]), Long.parseLong(f[2]));
                default -> {
                    // unknown line: ignore
                }
            }
        }
        rec.recordErrors(errors);
        return requests;
    }

    /** The Lua script: same bodies and headers as the Java generator, stats written by {@code done}. */
    static String script(LoadSpec spec, Path stats) {
        StringBuilder lua = new StringBuilder();
        lua.append("wrk.method = \"POST\"\n");
        lua.append("wrk.headers[\"Content-Type\"] = \"application/json\"\n");
        lua.append("wrk.headers[\"Accept\"] = \"")
                .append(spec.stream() ? "text/event-stream" : "application/json")
                .append("\"\n");
        for (Map.Entry<String, String> h : spec.headers().entrySet()) {
            lua.append("wrk.headers[")
                    .append(quote(h.getKey()))
                    .append("] = ")
                    .append(quote(h.getValue()))
                    .append('\n');
        }
        String sample = RequestTemplates.body(spec.model(), "\u0000", spec.stream(), spec.promptBytes());
        int cut = sample.indexOf('\u0000');
        lua.append("local head = ").append(quote(sample.substring(0, cut))).append('\n');
        lua.append("local tail = ").append(quote(sample.substring(cut + 1))).append('\n');
        lua.append("local customers = ").append(spec.customers()).append('\n');
        lua.append("local n = 0\n");
        if (spec.halfStreaming()) {
            halfStreamingRequests(lua, spec);
        } else if (spec.customers() == Integer.MAX_VALUE) {
            // Every call a new customer: ids nobody used before, also across runs (the stamp).
            lua.append("local stamp = os.time() .. \"-\" .. math.random(1000000)\n");
            lua.append("request = function()\n  n = n + 1\n  return wrk.format(nil, ")
                    .append(quote(spec.path()))
                    .append(", nil, head .. \"new-\" .. stamp .. \"-\" .. n .. tail)\nend\n");
        } else if (spec.promptBytes() > 0) {
            // Large prompts: each customer's request built once, not concatenated from 400 KB pieces per call
            // (which would cost the generator a copy and garbage per request). Built in init, which wrk runs
            // after it has set the Host header (at load time the requests would go without one: nginx's 400).
            lua.append(
                            "local reqs = {}\ninit = function(args)\n  for i = 0, customers - 1 do\n    reqs[i] = wrk.format(nil, ")
                    .append(quote(spec.path()))
                    .append(", nil, head .. \"cust-\" .. i .. tail)\n  end\nend\n");
            lua.append("request = function()\n  n = n + 1\n  return reqs[n % customers]\nend\n");
        } else {
            lua.append("request = function()\n  n = n + 1\n  return wrk.format(nil, ")
                    .append(quote(spec.path()))
                    .append(", nil, head .. \"cust-\" .. (n % customers) .. tail)\nend\n");
        }
        lua.append("done = function(summary, latency, requests)\n");
        lua.append("  local f = io.open(").append(quote(stats.toString())).append(", \"w\")\n");
        lua.append("  f:write(\"requests \", summary.requests, \"\\n\")\n");
        lua.append("  local e = summary.errors\n");
        lua.append("  f:write(\"errors \", e.connect + e.read + e.write + e.status + e.timeout, \"\\n\")\n");
        // #latency is the number of distinct values recorded; latency(i) gives the i-th value (µs) and its count.
        lua.append("  for i = 1, #latency do\n    local v, c = latency(i)\n");
        lua.append("    f:write(\"lat \", v, \" \", c, \"\\n\")\n  end\n");
        lua.append("  f:close()\nend\n");
        return lua.toString();
    }

    /**
     * Every other request streams: each customer's JSON and streaming requests are built once in
     * {@code init} (as for large prompts), each with its own Accept header, and sent alternately, so
     * exactly half of a run's requests stream and every customer gets both kinds.
     */
    private static void halfStreamingRequests(StringBuilder lua, LoadSpec spec) {
        if (spec.customers() == Integer.MAX_VALUE) {
            throw new IllegalArgumentException("half streaming needs a known set of customers");
        }
        String sample = RequestTemplates.body(spec.model(), "\u0000", true, spec.promptBytes());
        int cut = sample.indexOf('\u0000');
        lua.append("local streamHead = ")
                .append(quote(sample.substring(0, cut)))
                .append('\n');
        lua.append("local streamTail = ")
                .append(quote(sample.substring(cut + 1)))
                .append('\n');
        lua.append("local function headersAccepting(accept)\n  local h = {}\n")
                .append("  for k, v in pairs(wrk.headers) do h[k] = v end\n")
                .append("  h[\"Accept\"] = accept\n  return h\nend\n");
        String path = quote(spec.path());
        lua.append("local reqs = {}\ninit = function(args)\n  for i = 0, customers - 1 do\n")
                .append("    reqs[2 * i] = wrk.format(nil, ")
                .append(path)
                .append(", headersAccepting(\"application/json\"), head .. \"cust-\" .. i .. tail)\n")
                .append("    reqs[2 * i + 1] = wrk.format(nil, ")
                .append(path)
                .append(", headersAccepting(\"text/event-stream\"), streamHead .. \"cust-\" .. i .. streamTail)\n")
                .append("  end\nend\n");
        lua.append("request = function()\n  n = n + 1\n  return reqs[n % (2 * customers)]\nend\n");
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
