package dev.tollgate.bench.scenario;

import dev.tollgate.bench.gc.GcLog;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** Starts the processes of a run: the upstreams, nginx, Tollgates; all on 127.0.0.1, free ports. */
final class Launcher {
    static final String MASTER_KEY = "sk-bench";
    static final String DEFAULT_BUDGET = "bench-default";

    private final Path work;
    /** Heap of each Tollgate: 512m, or 1g when a point holds a large customer population. */
    String tollgateHeap = "512m";

    private final String javaBin =
            Path.of(System.getProperty("java.home"), "bin", "java").toString();

    /** Extra {@code general_settings} lines for the Redis + PostgreSQL target (empty: the defaults). */
    String redisPgSettings = "";

    Launcher(Path work) {
        this.work = work;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** The fake upstreams in their own JVM; returns the process and fills {@code ports}. */
    ChildProcess upstreams(Map<Upstream, Integer> ports) throws IOException, InterruptedException {
        String[] line = new String[1];
        ChildProcess p = ChildProcess.startAndAwaitLine(
                "upstream",
                List.of(
                        javaBin,
                        "-Xms256m",
                        "-Xmx1g",
                        "-Dlogback.configurationFile=" + System.getProperty("logback.configurationFile", ""),
                        "-cp",
                        System.getProperty("java.class.path"),
                        UpstreamsMain.class.getName(),
                        "2"),
                "PORTS ",
                line,
                30_000);
        String[] f = line[0].split(" ");
        ports.put(Upstream.FAST, Integer.parseInt(f[1]));
        ports.put(Upstream.SLOW, Integer.parseInt(f[2]));
        ports.put(Upstream.DRIP, Integer.parseInt(f[3]));
        return p;
    }

    private int redisPort;

    /** A redis-server of the bench's own (no persistence) on a free port; null when not installed. */
    ChildProcess redis() throws IOException, InterruptedException {
        String bin = which("redis-server");
        if (bin == null) {
            return null;
        }
        redisPort = freePort();
        Path dir = Files.createDirectories(work.resolve("redis"));
        ChildProcess p = ChildProcess.start(
                "redis",
                List.of(
                        bin,
                        "--port",
                        String.valueOf(redisPort),
                        "--bind",
                        "127.0.0.1",
                        "--save",
                        "",
                        "--appendonly",
                        "no",
                        "--dir",
                        dir.toString()),
                dir.resolve("redis.log"));
        for (int i = 0; i < 100; i++) {
            if (sh("redis-cli -h 127.0.0.1 -p " + redisPort + " ping | grep -q PONG") == 0) {
                return p;
            }
            Thread.sleep(100);
        }
        p.close();
        throw new IOException("redis-server did not start; see " + dir.resolve("redis.log"));
    }

    int redisPort() {
        return redisPort;
    }

    Target direct(Map<Upstream, Integer> upstreamPorts) {
        Map<Upstream, String> models = new EnumMap<>(Upstream.class);
        for (Upstream u : Upstream.values()) {
            models.put(u, "gpt-3.5-turbo");
        }
        return new Target(
                "direct", Target.Kind.DIRECT, upstreamPorts, models, Map.of(), null, "straight to the fake upstream");
    }

    /** nginx as a non-daemon child with its own config in the work dir; null (with the reason in {@code why}) when not installed. */
    Target nginx(Map<Upstream, Integer> upstreamPorts, StringBuilder why) throws IOException, InterruptedException {
        String bin = which("nginx");
        if (bin == null) {
            why.append("nginx is not installed (apt-get install -y nginx wrk); nginx scenarios skipped.");
            return null;
        }
        Path dir = Files.createDirectories(work.resolve("nginx"));
        Map<Upstream, Integer> ports = new EnumMap<>(Upstream.class);
        StringBuilder servers = new StringBuilder();
        for (Upstream u : Upstream.values()) {
            int port = freePort();
            ports.put(u, port);
            String up = u.name().toLowerCase();
            servers.append("  upstream ")
                    .append(up)
                    .append(" { server 127.0.0.1:")
                    .append(upstreamPorts.get(u))
                    .append("; keepalive 1024; keepalive_requests 100000000; keepalive_timeout 120s; }\n");
            servers.append("  server {\n    listen 127.0.0.1:")
                    .append(port)
                    .append(" backlog=4096;\n")
                    .append("    location / {\n      proxy_pass http://")
                    .append(up)
                    .append(";\n")
                    .append("      proxy_http_version 1.1;\n      proxy_set_header Connection \"\";\n")
                    .append("      proxy_buffering off;\n    }\n  }\n");
        }
        String conf =
                "daemon off;\nmaster_process on;\nuser root;\nworker_processes auto;\nworker_rlimit_nofile 65536;\n"
                        + "pid " + dir.resolve("nginx.pid") + ";\nerror_log " + dir.resolve("error.log") + " warn;\n"
                        + "events { worker_connections 16384; }\n"
                        + "http {\n  access_log off;\n  keepalive_requests 100000000;\n  keepalive_timeout 120s;\n"
                        // Request bodies up to 1 MB stay in memory (the default, 16 KB, writes a
                        // large prompt to a temp file on every call), as Tollgate keeps them.
                        + "  client_body_buffer_size 1m;\n"
                        + "  client_body_temp_path " + dir.resolve("body") + ";\n  proxy_temp_path "
                        + dir.resolve("proxy") + ";\n"
                        + "  fastcgi_temp_path " + dir.resolve("fcgi") + ";\n  uwsgi_temp_path " + dir.resolve("uwsgi")
                        + ";\n"
                        + "  scgi_temp_path " + dir.resolve("scgi") + ";\n"
                        + servers + "}\n";
        Path confFile = dir.resolve("nginx.conf");
        Files.writeString(confFile, conf);
        ChildProcess p = ChildProcess.start(
                "nginx",
                List.of(
                        bin,
                        "-c",
                        confFile.toString(),
                        "-p",
                        dir.toString(),
                        "-e",
                        dir.resolve("error.log").toString()),
                dir.resolve("stdout.log"));
        Map<Upstream, String> models = new EnumMap<>(Upstream.class);
        for (Upstream u : Upstream.values()) {
            models.put(u, "gpt-3.5-turbo");
        }
        Target t = new Target(
                "nginx",
                Target.Kind.NGINX,
                ports,
                models,
                Map.of(),
                p,
                "Debian nginx " + version(bin)
                        + ", worker_processes auto, upstream keepalive 1024, proxy_buffering off,"
                        + " client_body_buffer_size 1m");
        for (int i = 0; i < 100; i++) {
            try {
                HttpClient.newHttpClient()
                        .send(
                                HttpRequest.newBuilder(URI.create(
                                                "http://127.0.0.1:" + ports.get(Upstream.FAST) + "/v1/models"))
                                        .build(),
                                HttpResponse.BodyHandlers.discarding());
                return t;
            } catch (IOException e) {
                Thread.sleep(100);
            }
        }
        t.close();
        throw new IOException("nginx did not start; see " + dir.resolve("error.log"));
    }

    /**
     * A Tollgate on the shaded jar with a fixed heap ({@link #tollgateHeap}). {@code redisPg}: the Redis limit store and the
     * PostgreSQL ledger (a fresh database {@code tollgate_bench}, a key prefix unique to the run);
     * otherwise the embedded default (in-process store, H2 under the work dir). Both get a default
     * budget with limits that never refuse, so every call pays for admit and settle.
     */
    Target tollgate(String name, Path jar, Map<Upstream, Integer> upstreamPorts, boolean redisPg, String runId)
            throws IOException, InterruptedException {
        // A start can fail on a busy machine (e.g. Lettuce's 250 ms connect handshake); try again.
        for (int attempt = 1; ; attempt++) {
            try {
                return startTollgate(name, jar, upstreamPorts, redisPg, runId);
            } catch (IOException e) {
                if (attempt == 5) {
                    throw e;
                }
                Thread.sleep(2000);
                System.out.println("[bench] " + name + " failed to start ("
                        + e.getMessage().lines().findFirst().orElse("") + "), retrying");
            }
        }
    }

    private Target startTollgate(
            String name, Path jar, Map<Upstream, Integer> upstreamPorts, boolean redisPg, String runId)
            throws IOException, InterruptedException {
        Path dir = Files.createDirectories(work.resolve(name));
        StringBuilder cfg = new StringBuilder("model_list:\n");
        Map<Upstream, String> models = new EnumMap<>(Upstream.class);
        for (Upstream u : Upstream.values()) {
            String model = u.name().toLowerCase();
            models.put(u, model);
            cfg.append("  - model_name: ")
                    .append(model)
                    .append('\n')
                    .append("    litellm_params:\n      model: openai/gpt-3.5-turbo\n")
                    .append("      api_base: http://127.0.0.1:")
                    .append(upstreamPorts.get(u))
                    .append("/v1\n")
                    .append("      api_key: sk-fake-upstream\n")
                    .append(
                            "    model_info:\n      input_cost_per_token: 0.0000005\n      output_cost_per_token: 0.0000015\n");
        }
        cfg.append("general_settings:\n  master_key: ")
                .append(MASTER_KEY)
                .append('\n')
                .append("  proxy_batch_write_at: 10\n");
        if (redisPg) {
            cfg.append("  database_url: jdbc:postgresql://127.0.0.1:5432/tollgate_bench?user=postgres\n");
            cfg.append("  redis_url: redis://127.0.0.1:").append(redisPort).append('\n');
            cfg.append("  redis_key_prefix: \"tgbench-").append(runId).append(":\"\n");
            cfg.append(redisPgSettings);
        }
        Path config = dir.resolve("config.yaml");
        String base = cfg.toString();
        String describe = redisPg
                ? "Redis limit store (Lua) + PostgreSQL ledger, default budget with RPM/TPM"
                : "embedded default: in-process limit store + H2, default budget with RPM/TPM";
        // Tollgate refuses to start on a default budget that does not exist: the first start
        // creates it (limits high enough never to refuse, so every call is admitted and settled),
        // the second names it, as an operator does.
        Files.writeString(config, base);
        int setupPort = freePort();
        Target setup = launchTollgate(name, jar, dir, config, models, describe, setupPort, "tollgate-setup.log");
        try {
            createDefaultBudget(name, setupPort);
        } finally {
            setup.close();
        }
        Files.writeString(config, base + "litellm_settings:\n  max_end_user_budget_id: " + DEFAULT_BUDGET + "\n");
        return launchTollgate(name, jar, dir, config, models, describe, freePort(), "tollgate.log");
    }

    private Target launchTollgate(
            String name,
            Path jar,
            Path dir,
            Path config,
            Map<Upstream, String> models,
            String describe,
            int port,
            String logName)
            throws IOException, InterruptedException {
        // One line per GC pause (heap before and after, duration): the bench reads allocation and pauses
        // of each measured window from it (GcLog). No rotation, so a window's lines stay in one file.
        Path gcLog = dir.resolve(logName.replace(".log", "-gc.log"));
        List<String> cmd = new ArrayList<>(List.of(
                javaBin,
                "-Xms" + tollgateHeap,
                "-Xmx" + tollgateHeap,
                "-XX:+UseG1GC",
                "-Xlog:gc:file=" + gcLog + ":uptime,level,tags:filecount=0",
                "-Dio.netty.leakDetection.level=simple",
                "-jar",
                jar.toString(),
                "--config",
                config.toString(),
                "--host",
                "127.0.0.1",
                "--port",
                String.valueOf(port),
                "--data-dir",
                dir.resolve("data").toString()));
        ChildProcess p = ChildProcess.start(name, cmd, dir.resolve(logName));
        Map<Upstream, Integer> ports = new EnumMap<>(Upstream.class);
        for (Upstream u : Upstream.values()) {
            ports.put(u, port);
        }
        Target t = new Target(
                name,
                Target.Kind.TOLLGATE,
                ports,
                models,
                Map.of("Authorization", "Bearer " + MASTER_KEY),
                p,
                describe,
                new GcLog(gcLog));
        long deadline = System.currentTimeMillis() + 60_000;
        while (true) {
            if (!p.isAlive()) {
                throw new IOException(name + " exited at start; see " + p.log() + ":\n" + tail(p.log()));
            }
            try {
                HttpResponse<String> r = HTTP.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/readiness"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return t;
                }
            } catch (IOException e) {
                // not yet listening
            }
            if (System.currentTimeMillis() > deadline) {
                t.close();
                throw new IOException(name + " not ready after 60 s; see " + p.log());
            }
            Thread.sleep(200);
        }
    }

    /** The default budget, unless a previous run (same PostgreSQL database) already made it. */
    private static void createDefaultBudget(String name, int port) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/budget/new"))
                        .header("Authorization", "Bearer " + MASTER_KEY)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"budget_id\":\"" + DEFAULT_BUDGET
                                + "\",\"max_budget\":1000000000,\"rpm_limit\":1000000000,\"tpm_limit\":1000000000000}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200 && !r.body().contains("already exists")) {
            throw new IOException(name + ": POST /budget/new answered " + r.statusCode() + " " + r.body());
        }
    }

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    static String which(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            Path p = Path.of(dir, tool);
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        for (String dir : List.of("/usr/sbin", "/usr/bin", "/sbin")) {
            Path p = Path.of(dir, tool);
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        return null;
    }

    static String version(String bin) {
        try {
            Process p = new ProcessBuilder(bin, "-v").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            p.waitFor();
            return out.replaceAll(".*nginx/", "").trim();
        } catch (IOException | InterruptedException e) {
            return "?";
        }
    }

    static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "";
        }
    }

    /** Runs a shell command, returns its exit code (output discarded). */
    static int sh(String command) {
        try {
            Process p = new ProcessBuilder("bash", "-c", command)
                    .redirectErrorStream(true)
                    .start();
            p.getInputStream().readAllBytes();
            return p.waitFor();
        } catch (IOException | InterruptedException e) {
            return -1;
        }
    }
}
