package dev.tollgate.bench.load;

import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One load point from the command line, for profiling a single target:
 * {@code --port N [--host H] [--path P] [--model M] [--stream] [--connections N] [--rate R|0=max]
 * [--customers N] [--warmup S] [--duration S] [--header 'Name: value']...}.
 */
public final class LoadMain {
    private LoadMain() {}

    public static void main(String[] args) throws InterruptedException {
        String host = "127.0.0.1";
        int port = 0;
        String path = "/v1/chat/completions";
        String model = "gpt-3.5-turbo";
        boolean stream = false;
        int connections = 64;
        double rate = 0;
        int customers = 10;
        double warmup = 2;
        double duration = 10;
        Map<String, String> headers = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--host" -> host = args[++i];
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--path" -> path = args[++i];
                case "--model" -> model = args[++i];
                case "--stream" -> stream = true;
                case "--connections" -> connections = Integer.parseInt(args[++i]);
                case "--rate" -> rate = Double.parseDouble(args[++i]);
                case "--customers" -> customers = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Double.parseDouble(args[++i]);
                case "--duration" -> duration = Double.parseDouble(args[++i]);
                case "--header" -> {
                    String h = args[++i];
                    headers.put(
                            h.substring(0, h.indexOf(':')).trim(),
                            h.substring(h.indexOf(':') + 1).trim());
                }
                default -> {
                    System.err.println("unknown option " + args[i]);
                    System.exit(2);
                }
            }
        }
        LoadSpec spec = new LoadSpec(
                host,
                port,
                path,
                headers,
                model,
                stream,
                customers,
                connections,
                rate,
                Duration.ofMillis((long) (warmup * 1000)),
                Duration.ofMillis((long) (duration * 1000)),
                Duration.ofSeconds(5));
        try (LoadGenerator gen = new LoadGenerator(2)) {
            LoadResult r = gen.run(spec);
            System.out.printf(
                    Locale.ROOT,
                    "%.0f req/s  p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f ms  ttfb p50 %.3f  ok %d  errors %d"
                            + "  send lag p99 %.3f ms%n",
                    r.throughput(),
                    r.latencyMs(50),
                    r.latencyMs(90),
                    r.latencyMs(99),
                    r.latencyMs(99.9),
                    r.latency().getMaxValue() / 1000.0,
                    r.firstByteMs(50),
                    r.recorder().ok(),
                    r.errors(),
                    r.recorder().sendLag().getValueAtPercentile(99) / 1000.0);
        }
    }
}
